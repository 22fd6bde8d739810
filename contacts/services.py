"""Writes to contacts: staff logging attempts (through the governor), cancelling and completing contacts."""

import datetime as dt
from contextlib import suppress

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.contact_stops import ContactStop, StopCause
from cases.errors import HoldError
from cases.lifecycle import HoldKind
from cases.models import Case
from cases.services import case_hold_place
from contacts.governor import Verdict, governor_check, refusal_text
from contacts.models import AttemptResult, Channel, ContactAttempt, ContactStatus, Origin, ScheduledContact
from core.actors import actor_fields
from core.bulk import bulk_update_rows
from core.errors import Conflict, DomainError, reason_required
from core.i18n import stored_phrase
from core.metrics import governor_record
from staff.permissions import Capability, can


class ContactNotPermitted(Conflict):
    """The governor refused the contact. `verdict` says which rules failed and when it may happen."""

    code = "contact_not_permitted"

    def __init__(self, verdict: Verdict):
        super().__init__(refusal_text(verdict))
        self.verdict = verdict

    @property
    def message(self) -> str:
        """In the reader's language, read when shown (the API reads it in English)."""
        return refusal_text(self.verdict)


def _may_override(actor) -> bool:
    return can(actor, Capability.OVERRIDE_CONTACT_RULES)


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
    attempt answers a scheduled contact, that contact is marked done. A call logged without naming one
    answers the case's pending policy call task, whatever the outcome: the agent has worked it, so it leaves
    the queue at once and the policy's next task follows an interval later.
    """
    if channel not in Channel.values or result not in AttemptResult.values:
        raise DomainError(_("Unknown channel or result."), field="result")
    at = at or timezone.now()
    verdict = governor_check(case=case, channel=channel, at=at, number=number, to_third_party=to_third_party)
    override_reason = (override_reason or "").strip()
    overridden_by = None
    if not verdict.allowed:
        if not override_reason:
            governor_record(failed_rules=[failure["rule"] for failure in verdict.failed])
            raise ContactNotPermitted(verdict)
        if not _may_override(actor):
            raise DomainError(_("Only a supervisor may override the contact rules."), code="override_not_allowed")
        overridden_by = actor
    if not verdict.allowed:
        governor_record(failed_rules=[failure["rule"] for failure in verdict.failed], overridden=True, recorded=True)
    if scheduled_contact is None and channel == Channel.CALL:
        scheduled_contact = _pending_policy_call(case)
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
            case_hold_place(case=case, kind=HoldKind.DISPUTE, actor=actor,
                            reason=stored_phrase("Dispute raised on contact."))
    return attempt


def _pending_policy_call(case: Case) -> ScheduledContact | None:
    """The policy call task waiting in the case's queue (the pass keeps at most one), oldest first."""
    return (ScheduledContact.objects.filter(case=case, channel=Channel.CALL, origin=Origin.POLICY,
                                            status=ContactStatus.SCHEDULED).order_by("due_at", "id").first())


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
    reason = reason_required(reason)
    if not _finish(contact, status=ContactStatus.CANCELLED,
                   entry={"by": actor_fields(actor)["actor_label"], "reason": reason}):
        raise Conflict(_("Contact %(pk)s is %(status)s, not scheduled."),
                       params={"pk": contact.pk, "status": contact.status})
    return contact


def scheduled_contact_complete(*, contact: ScheduledContact, actor, note: str) -> bool:
    """Mark a task done (for example a review decided). False when it was no longer scheduled."""
    return _finish(contact, status=ContactStatus.DONE, entry={"by": actor_fields(actor)["actor_label"],
                                                             "note": note})


# Channels a person would act on; a pause for a promise, a plan or a hold stops them at once.
STOPPED_TASK_CHANNELS = (Channel.CALL, Channel.VISIT)


def scheduled_contacts_stop(stop: ContactStop) -> int:
    """Cancel the contacts still planned for cases whose contact stops (`cases.contact_stops`).

    A closed case loses every pending contact. A promise, a plan or a hold cancels the pending calls and
    visit requests, whoever planned them, so none waits in a queue the rules would refuse; a hold also
    cancels the policy's other contacts, as the pass would. Each keeps its cause in its trail. Set-based:
    the rows are locked, then written in one statement per thousand.
    """
    pending = ScheduledContact.objects.filter(case_id__any=list(stop.case_ids), status=ContactStatus.SCHEDULED)
    if not stop.closing:
        scope = Q(channel__in=STOPPED_TASK_CHANNELS)
        if stop.cause == StopCause.HOLD:
            scope |= Q(origin=Origin.POLICY)
        pending = pending.filter(scope)
    rows = list(pending.select_for_update().order_by("pk").values("id", "trail"))
    entry = {"at": stop.at.isoformat(), "status": ContactStatus.CANCELLED, "reason": stop.reason,
             "cause": stop.cause, "by": actor_fields(stop.actor)["actor_label"]}
    return bulk_update_rows(model=ScheduledContact, fields=["status", "trail", "updated_at"], rows=[
        {"id": row["id"], "status": ContactStatus.CANCELLED, "trail": [*row["trail"], entry], "updated_at": stop.at}
        for row in rows])
