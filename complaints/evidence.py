"""The complaints' section of an evidence pack (core.evidence): each complaint and its resolution."""

from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from complaints.models import Complaint
from core.evidence import EvidencePack, when_text


def complaints_section(pack: EvidencePack, complaints: QuerySet[Complaint], zone: ZoneInfo) -> None:
    pack.section_add(_("Complaints"), [[
        (_("Case"), f"#{c.case_id}"), (_("Received"), f"{when_text(c.received_at, zone)}, {c.get_channel_display()}"),
        (_("Kind"), c.get_kind_display()), (_("Category"), c.get_category_display()),
        (_("Description"), c.description), (_("Status"), c.get_status_display()),
        (_("Resolution"), f"{c.resolution} ({c.resolved_by_label}, {when_text(c.resolved_at, zone)})"
         if c.resolved_at else "—"),
    ] for c in complaints.order_by("received_at", "id")], empty=_("None"))
