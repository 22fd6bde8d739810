"""Callbacks: a call the cardholder asked for, at a time they chose, in the agent's queue."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.models import Case
from contacts.governor import governor_check
from contacts.models import Channel, Origin, ScheduledContact
from contacts.services import ContactNotPermitted
from core.actors import actor_fields
from core.errors import DomainError
from core.metrics import governor_record


@transaction.atomic
def callback_schedule(*, case: Case, actor, due_at: dt.datetime, note: str = "",
                      ip_address: str | None = None) -> ScheduledContact:
    """Put a call to the cardholder in `actor`'s queue at `due_at`.

    The governor checks the time as it checks any call (hours, limits, holds); a callback the
    cardholder asked for is not held back by the quiet period after a conversation. Scheduling the same
    callback twice returns the first. A callback the cardholder asks for on their own page (`actor` is
    then core.actors.Cardholder) goes to the case's agent, or to its team's queue.
    """
    if not case.is_open:
        raise DomainError(_("The case is closed."), code="case_closed")
    if due_at <= timezone.now():
        raise DomainError(_("A callback is set in the future."), code="in_the_past", field="callback_at")
    verdict = governor_check(case=case, channel=Channel.CALL, at=due_at, by_staff=True)
    if not verdict.allowed:
        governor_record(failed_rules=[failure["rule"] for failure in verdict.failed])
        raise ContactNotPermitted(verdict)
    who = actor_fields(actor)
    contact, created = ScheduledContact.objects.get_or_create(
        idempotency_key=f"callback:{case.pk}:{due_at.isoformat()}",
        defaults={"case": case, "channel": Channel.CALL, "due_at": due_at, "origin": Origin.STAFF,
                  "rule": "callback", "assigned_team": case.assigned_team,
                  "assigned_to": who["actor"] or case.assigned_agent,
                  "trail": [{"at": timezone.now().isoformat(), "status": "scheduled", "by": who["actor_label"],
                             "note": note, "verdict": verdict.as_trail()}]},
    )
    if created:
        audit_log(actor=actor, action="callback.scheduled", obj=contact, case_id=case.pk,
                  changes={"due_at": due_at.isoformat()}, ip_address=ip_address)
    return contact
