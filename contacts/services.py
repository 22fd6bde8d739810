"""Writes to contacts: staff logging attempts (through the governor), cancelling and completing contacts."""

import datetime as dt
from contextlib import suppress

from django.db import transaction
from django.utils import timezone

from cases.errors import HoldError
from cases.lifecycle import HoldKind
from cases.models import Case
from cases.services import case_hold_place
from contacts.governor import Verdict, governor_check
from contacts.models import AttemptResult, Channel, ContactAttempt, ContactStatus, ScheduledContact
from core.actors import actor_fields
from core.errors import Conflict, DomainError
from core.metrics import governor_record

OVERRIDE_ROLES = ("supervisor", "manager")


class ContactNotPermitted(Conflict):
    """The governor refused the contact. `verdict` says which rules failed and when it may happen."""

    code = "contact_not_permitted"

    def __init__(self, verdict: Verdict):
        reasons = "; ".join(f"{f['rule']}: {f['reason']}" for f in verdict.failed)
        when = (f" Next permitted at {verdict.next_permitted_at.isoformat()}." if verdict.next_permitted_at
                else " Not permitted until the case changes.")
        super().__init__(f"This contact is not permitted: {reasons}.{when}")
        self.verdict = verdict


def _may_override(actor) -> bool:
    profile = getattr(actor, "profile", None)
    return profile is not None and profile.role in OVERRIDE_ROLES


def _trail_entry(**entry) -> dict:
    return {"at": timezone.now().isoformat(), **entry}


@transaction.atomic
def contact_attempt_log(
    *, case: Case, channel: str, actor, result: str, at: dt.datetime | None = None, number: str = "",
    to_third_party: bool = False, notes: str = "", callback_requested: bool = False,
    scheduled_contact: ScheduledContact | None = None, override_reason: str = "",
) -> ContactAttempt:
    """Record a call or visit that staff made or are making, after the governor has allowed it.

    When the governor refuses, ContactNotPermitted says why and when it would be allowed. A supervisor
    (or manager) may go ahead anyway by giving `override_reason`; the attempt then records the verdict,
    the overriding supervisor and the reason. A dispute raised puts the case on a dispute hold. When the
    attempt answers a scheduled contact, that contact is marked done.
    """
    if channel not in Channel.values or result not in AttemptResult.values:
        raise DomainError("Unknown channel or result.", field="result")
    at = at or timezone.now()
    verdict = governor_check(case=case, channel=channel, at=at, number=number, to_third_party=to_third_party)
    override_reason = (override_reason or "").strip()
    overridden_by = None
    if not verdict.allowed:
        if not override_reason:
            governor_record(failed_rules=[failure["rule"] for failure in verdict.failed])
            raise ContactNotPermitted(verdict)
        if not _may_override(actor):
            raise DomainError("Only a supervisor may override the contact rules.", code="override_not_allowed")
        overridden_by = actor
    if not verdict.allowed:
        governor_record(failed_rules=[failure["rule"] for failure in verdict.failed], overridden=True, recorded=True)
    attempt = ContactAttempt.objects.create(
        case=case, scheduled_contact=scheduled_contact, channel=channel, at=at, number=number,
        third_party=to_third_party, result=result, callback_requested=callback_requested, notes=notes,
        verdict=verdict.as_trail(), overridden_by=overridden_by, override_reason=override_reason,
        **actor_fields(actor),
    )
    if scheduled_contact is not None:
        _finish(scheduled_contact, status=ContactStatus.DONE, entry={"attempt": attempt.pk, "result": result})
    if result == AttemptResult.DISPUTE:
        with suppress(HoldError):  # already on a dispute hold
            case_hold_place(case=case, kind=HoldKind.DISPUTE, actor=actor, reason="Dispute raised on contact.")
    return attempt


def _finish(contact: ScheduledContact, *, status: str, entry: dict) -> bool:
    """Compare-and-swap a scheduled contact out of `scheduled`, appending to its trail. False if it had moved."""
    current = ScheduledContact.objects.select_for_update().get(pk=contact.pk)
    if current.status != ContactStatus.SCHEDULED:
        return False
    current.status = status
    current.trail = [*current.trail, _trail_entry(status=status, **entry)]
    current.updated_at = timezone.now()
    current.save(update_fields=["status", "trail", "updated_at"])
    contact.status, contact.trail = current.status, current.trail
    return True


@transaction.atomic
def scheduled_contact_cancel(*, contact: ScheduledContact, actor, reason: str) -> ScheduledContact:
    """Cancel a contact that has not happened yet. The row stays, with who cancelled it and why."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("A reason is required.", code="reason_required", field="reason")
    if not _finish(contact, status=ContactStatus.CANCELLED,
                   entry={"by": actor_fields(actor)["actor_label"], "reason": reason}):
        raise Conflict(f"Contact {contact.pk} is {contact.status}, not scheduled.")
    return contact


def scheduled_contact_complete(*, contact: ScheduledContact, actor, note: str) -> bool:
    """Mark a task done (for example a review decided). False when it was no longer scheduled."""
    return _finish(contact, status=ContactStatus.DONE, entry={"by": actor_fields(actor)["actor_label"],
                                                             "note": note})
