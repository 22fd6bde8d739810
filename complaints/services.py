import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.models import Case, CaseHold
from cases.services import case_hold_place, case_hold_release
from complaints.models import Category, Channel, Complaint, Kind, Status
from core.actors import actor_fields
from core.errors import DomainError

SLA_DAYS = {Kind.COMPLAINT: "COMPLAINT_SLA_DAYS", Kind.DISPUTE: "DISPUTE_SLA_DAYS"}

# What else follows a complaint in its transaction (an outside agency's placement ends on a conduct
# complaint). Capabilities above this app register `reaction(complaint=…, actor=…)` from AppConfig.ready().
_OPENED_REACTIONS: dict[str, Callable[..., None]] = {}


def complaint_opened_register(name: str, reaction: Callable[..., None]) -> None:
    _OPENED_REACTIONS[name] = reaction


def _text(value: str, field: str, what) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("%(what)s is required."), params={"what": what}, code="required", field=field)
    return value


@transaction.atomic
def complaint_open(
    *, case: Case, kind: str, channel: str, category: str, description: str, actor,
    received_at: dt.datetime | None = None, ip_address: str | None = None,
) -> Complaint:
    """Register a complaint or dispute and hold the case so that contact stops until it is resolved.

    Several open entries of one kind share the case's one active hold of that kind. The answer is due
    COMPLAINT_SLA_DAYS / DISPUTE_SLA_DAYS after receipt. Audited.
    """
    if kind not in Kind.values:
        raise DomainError(_("Choose complaint or dispute."), field="kind")
    if channel not in Channel.values:
        raise DomainError(_("Unknown channel."), field="channel")
    if category not in Category.values:
        raise DomainError(_("Unknown category."), field="category")
    description = _text(description, "description", _("A description"))
    received_at = received_at or timezone.now()
    hold = (CaseHold.objects.select_for_update().filter(case=case, kind=kind, released_at__isnull=True).first()
            or case_hold_place(case=case, kind=kind, actor=actor, reason=description[:500], ip_address=ip_address))
    who = actor_fields(actor)
    complaint = Complaint.objects.create(
        case=case, kind=kind, channel=channel, category=category, description=description,
        received_at=received_at,
        sla_due_at=received_at + dt.timedelta(days=getattr(settings, SLA_DAYS[kind])),
        hold=hold, opened_by=who["actor"], opened_by_label=who["actor_label"],
    )
    audit_log(actor=actor, action=f"{kind}.opened", obj=complaint, case_id=case.pk,
              changes={"channel": channel, "category": category}, ip_address=ip_address)
    for reaction in _OPENED_REACTIONS.values():
        reaction(complaint=complaint, actor=actor)
    return complaint


@transaction.atomic
def complaint_resolve(*, complaint: Complaint, resolution: str, actor, ip_address: str | None = None) -> Complaint:
    """Record the resolution. When no other entry still needs the hold, it is released. Audited."""
    resolution = _text(resolution, "resolution", _("A resolution"))
    who = actor_fields(actor)
    now = timezone.now()
    updated = Complaint.objects.filter(pk=complaint.pk, status=Status.OPEN).update(
        status=Status.RESOLVED, resolution=resolution, resolved_by=who["actor"],
        resolved_by_label=who["actor_label"], resolved_at=now,
    )
    if updated != 1:
        raise DomainError(_("This entry is already resolved."), code="already_resolved")
    complaint.refresh_from_db()
    if not Complaint.objects.filter(hold=complaint.hold, status=Status.OPEN).exists():
        case_hold_release(hold=complaint.hold, actor=actor, reason=resolution[:500], ip_address=ip_address)
    audit_log(actor=actor, action=f"{complaint.kind}.resolved", obj=complaint, case_id=complaint.case_id,
              reason=resolution, ip_address=ip_address)
    return complaint
