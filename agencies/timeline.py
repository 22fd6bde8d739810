"""A case's placements on its timeline: placed with whom until when, and when and why it came back."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agencies.models import Placement
from cases.timeline import stored_text


def placements_timeline(case, limit: int) -> list[dict]:
    entries = []
    for placement in Placement.objects.filter(case=case).select_related("agency").order_by("-started_at")[:limit]:
        entries.append({"at": placement.started_at, "kind": "placement", "actor": placement.placed_by_label,
                        "text": _("Placed with %(agency)s until %(until)s") % {
                            "agency": placement.agency.name,
                            "until": date_format(placement.until, "SHORT_DATE_FORMAT")},
                        "detail": placement.reason})
        if placement.ended_at:
            entries.append({"at": placement.ended_at, "kind": "placement", "actor": placement.ended_by_label,
                            "text": _("Placement with %(agency)s ended: %(cause)s") % {
                                "agency": placement.agency.name, "cause": placement.get_end_cause_display()},
                            "detail": stored_text(placement.end_reason)})
    return entries
