"""Writes to contacts: staff logging attempts (through the governor), cancelling and completing contacts."""

import datetime as dt
import re
import uuid
from contextlib import suppress
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.contact_points import number_reported_wrong
from cases.contact_stops import ContactStop, StopCause
from cases.errors import HoldError
from cases.lifecycle import BEFORE_CONTACT_STAGES, HoldKind, Stage
from cases.models import Case, ContactPoint
from cases.services import case_hold_place, case_transition_many
from contacts.governor import PURPOSE_LEGAL, Verdict, governor_check, refusal_text
from contacts.models import (
    CONVERSATION_RESULTS,
    ESTATE_LETTER_RULE,
    AttemptResult,
    AttemptSource,
    Channel,
    ContactAttempt,
    ContactException,
    ContactStatus,
    DelinquencyReason,
    Direction,
    Origin,
    ScheduledContact,
)
from core.actors import actor_fields
from core.bulk import bulk_update_rows
from core.errors import Conflict, DomainError, reason_required
from core.i18n import stored_phrase
from core.metrics import governor_record
from staff.permissions import Capability, can

WRONG_NUMBER_REPORTED = stored_phrase("Reported wrong on a contact attempt.")
FIRST_CONTACT_REASON = stored_phrase("First contact made.")


def cases_first_contact_made(*, case_ids, actor, at: dt.datetime) -> list[int]:
    """A contact was made on these cases (a message sent, an attempt logged): those still at confirm or plan
    enter contact, with their history rows and events, in the caller's transaction. Set-based; the others
    are left as they are. Returns the ids moved."""
    ids = sorted(set(case_ids))
    if not ids:
        return []
    return case_transition_many(case_ids=ids, from_stages=BEFORE_CONTACT_STAGES, to=Stage.CONTACT, actor=actor,
                                reason=FIRST_CONTACT_REASON, at=at)


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


def _trail_entry(**entry) -> dict:
    return {"at": timezone.now().isoformat(), **entry}


# How far back staff may log a contact that happened: a call made before a break, a visit logged the
# next morning. The telephony system's records carry their own time and may be older.
STAFF_BACKDATE = dt.timedelta(days=7)
# Clocks disagree by a little; a contact "in the future" by less than this is taken as now.
CLOCK_SKEW = dt.timedelta(minutes=2)


@dataclass(frozen=True)
class Recording:
    """The telephony system's recording of a call: its id, a SHA-256 of the file, and how long to keep it."""

    ref: str
    sha256: str = ""
    keep_until: dt.date | None = None


def occurred_at_check(occurred_at: dt.datetime, *, source: str, now: dt.datetime) -> dt.datetime:
    if occurred_at > now + CLOCK_SKEW:
        raise DomainError(_("A contact cannot be logged in the future."), code="occurred_in_future",
                          field="occurred_at")
    if source == AttemptSource.STAFF and occurred_at < now - STAFF_BACKDATE:
        raise DomainError(_("A contact can be logged up to 7 days after it happened."), code="occurred_too_early",
                          field="occurred_at")
    return min(occurred_at, now)


def recording_check(recording: Recording | None) -> None:
    if recording is None:
        return
    if not recording.ref.strip():
        raise DomainError(_("A recording needs the telephony system's id."), code="recording_ref_required",
                          field="recording.ref")
    if recording.sha256 and not re.fullmatch(r"[0-9a-f]{64}", recording.sha256):
        raise DomainError(_("A SHA-256 is 64 hexadecimal characters."), code="recording_sha256_invalid",
                          field="recording.sha256")


def contact_exceptions_locked(*, case_ids, start: dt.datetime, end: dt.datetime):
    """The supervisor's exceptions on `case_ids` valid at some moment from `start` to `end`, the ones ending
    first first, locked so that a single-use one is used once (lazy: nothing is read or locked until used)."""
    return (ContactException.objects.select_for_update()
            .filter(case_id__any=list(case_ids), revoked_at__isnull=True, valid_from__lte=end, valid_until__gt=start)
            .order_by("valid_until", "id"))


@dataclass(frozen=True)
class Judgement:
    """How a contact that happened stands against the rules: the governor's trail as of its moment, the
    rules it broke (empty when none, or when an exception covered it) and the exception that did."""

    trail: dict
    breached_rules: list[str]
    exception: ContactException | None = None


def inbound_trail(occurred_at: dt.datetime) -> dict:
    return {"at": occurred_at.isoformat(), "direction": Direction.INBOUND, "allowed": True, "passed": [],
            "failed": []}


def attempt_judge(*, verdict: Verdict, exceptions, now: dt.datetime) -> Judgement:
    """The one definition of how an outbound contact that happened is judged, whoever logged it.

    Allowed: nothing broken. Refused: the first of `exceptions` (ordered, iterated only then) that covers
    its moment makes it an authorised exception, and a single-use exception is used up (`used_at` is set
    on the instance; the caller saves it); without one, it is a breach of every failed rule.
    """
    if verdict.allowed:
        return Judgement(trail=verdict.as_trail(), breached_rules=[])
    exception = next((candidate for candidate in exceptions if candidate.covers(verdict.checked_at)), None)
    if exception is not None and exception.single_use:
        exception.used_at = now
    failed = [failure["rule"] for failure in verdict.failed]
    governor_record(failed_rules=failed, recorded=True, overridden=exception is not None)
    return Judgement(trail=verdict.as_trail(), breached_rules=[] if exception is not None else failed,
                     exception=exception)


@transaction.atomic
def contact_attempt_log(
    *, case: Case, channel: str, actor, result: str, occurred_at: dt.datetime | None = None,
    direction: str = Direction.OUTBOUND, source: str = AttemptSource.STAFF, number: str = "",
    contact_point: ContactPoint | None = None, to_third_party: bool = False, notes: str = "",
    callback_requested: bool = False, scheduled_contact: ScheduledContact | None = None,
    duration_seconds: int | None = None, delinquency_reason: str = "", recording: Recording | None = None,
    external_id: str = "", now: dt.datetime | None = None,
) -> ContactAttempt:
    """Record a contact that happened. Record first, judge second: it is never refused.

    An outbound contact is stored with the governor's verdict as of `occurred_at`, against what was
    recorded at that moment; the verdict is never revised. When the rules would have refused it, it is a
    breach naming the failed rules, unless a supervisor's exception covered that moment (then it is an
    authorised exception, and a single-use exception is used up). An inbound contact is never a breach
    and counts towards no limit, but a conversation in it starts the quiet period like any other.

    An outbound call answers the case's pending policy call task, whatever the outcome: the agent has
    worked it, so it leaves the queue at once and the policy's next task follows an interval later. A
    dispute raised puts the case on a dispute hold. The first contact made moves a case at confirm or plan
    to contact (`cases_first_contact_made`).
    """
    if channel not in Channel.values or result not in AttemptResult.values:
        raise DomainError(_("Unknown channel or result."), field="result")
    if direction not in Direction.values:
        raise DomainError(_("Unknown direction."), code="direction_invalid", field="direction")
    if delinquency_reason and delinquency_reason not in DelinquencyReason.values:
        raise DomainError(_("Unknown reason for the delinquency."), code="delinquency_reason_invalid",
                          field="delinquency_reason")
    if (source == AttemptSource.STAFF and channel == Channel.CALL and result in CONVERSATION_RESULTS
            and not delinquency_reason):
        raise DomainError(_("Say why the account fell behind: the reason is required when you spoke with the "
                            "cardholder."), code="delinquency_reason_required", field="delinquency_reason")
    now = now or timezone.now()
    occurred_at = occurred_at_check(occurred_at or now, source=source, now=now)
    recording_check(recording)
    if contact_point is not None:
        if contact_point.customer_id != case.account.customer_id:
            raise DomainError(_("That contact point belongs to another cardholder."), code="contact_point_invalid",
                              field="contact_point")
        number = number or contact_point.phone
        to_third_party = to_third_party or contact_point.is_third_party
    if direction == Direction.OUTBOUND:
        verdict = governor_check(case=case, channel=channel, at=occurred_at, number=number,
                                 to_third_party=to_third_party, as_recorded=True,
                                 by_staff=source == AttemptSource.STAFF)
        judgement = attempt_judge(verdict=verdict, now=now, exceptions=contact_exceptions_locked(
            case_ids=[case.pk], start=occurred_at, end=occurred_at))
        if judgement.exception is not None and judgement.exception.single_use:
            judgement.exception.save(update_fields=["used_at"])
    else:
        judgement = Judgement(trail=inbound_trail(occurred_at), breached_rules=[])
    if scheduled_contact is None and channel == Channel.CALL and direction == Direction.OUTBOUND:
        scheduled_contact = _pending_policy_call(case)
    attempt = ContactAttempt.objects.create(
        case=case, customer_id=case.account.customer_id, scheduled_contact=scheduled_contact, channel=channel,
        direction=direction, source=source, external_id=external_id, occurred_at=occurred_at, logged_at=now,
        duration_seconds=duration_seconds, number=number, contact_point=contact_point, third_party=to_third_party,
        result=result, delinquency_reason=delinquency_reason, callback_requested=callback_requested, notes=notes,
        recording_ref=recording.ref.strip() if recording else "",
        recording_sha256=recording.sha256 if recording else "",
        recording_keep_until=recording.keep_until if recording else None,
        verdict=judgement.trail, breached_rules=judgement.breached_rules, exception=judgement.exception,
        **actor_fields(actor),
    )
    if scheduled_contact is not None:
        _finish(scheduled_contact, status=ContactStatus.DONE, entry={"attempt": attempt.pk, "result": result})
    if result == AttemptResult.WRONG_NUMBER and direction == Direction.OUTBOUND and number:
        # The one who reached a wrong number reports it: it is offered and dialled no more.
        number_reported_wrong(customer=case.account.customer, number=number, actor=actor, case_id=case.pk,
                              reason=WRONG_NUMBER_REPORTED, at=occurred_at)
    if result == AttemptResult.DISPUTE:
        with suppress(HoldError):  # already on a dispute hold
            case_hold_place(case=case, kind=HoldKind.DISPUTE, actor=actor,
                            reason=stored_phrase("Dispute raised on contact."))
    if case.stage in BEFORE_CONTACT_STAGES and cases_first_contact_made(case_ids=[case.pk], actor=actor, at=now):
        case.stage, case.stage_changed_at = Stage.CONTACT, now
    return attempt


@transaction.atomic
def contact_exception_grant(
    *, case: Case, actor, reason: str, valid_from: dt.datetime | None = None, hours: int | None = None,
    single_use: bool = True, now: dt.datetime | None = None,
) -> ContactException:
    """A supervisor authorises, before the contact, a contact the rules would refuse.

    For one contact (`single_use`, valid for the rest of the day unless `hours` says otherwise) or for
    every contact within `hours`. The contact panel still shows the rules' warning before a call.
    """
    if not can(actor, Capability.AUTHORISE_CONTACT_EXCEPTIONS):
        raise DomainError(_("Only a supervisor may authorise an exception to the contact rules."),
                          code="exception_not_allowed")
    reason = reason_required(reason)
    now = now or timezone.now()
    valid_from = valid_from or now
    if hours is None:
        if not single_use:
            raise DomainError(_("Say for how many hours the exception holds."), code="hours_required", field="hours")
        hours = 24
    if not 1 <= hours <= MAX_EXCEPTION_HOURS:
        raise DomainError(_("An exception holds from 1 to %(max)s hours."), params={"max": MAX_EXCEPTION_HOURS},
                          code="hours_invalid", field="hours")
    exception = ContactException.objects.create(
        case=case, reason=reason, granted_by=actor, granted_by_label=actor.get_username(), granted_at=now,
        valid_from=valid_from, valid_until=valid_from + dt.timedelta(hours=hours), single_use=single_use)
    audit_log(actor=actor, action="contact_exception.granted", obj=exception, case_id=case.pk, reason=reason,
              changes={"valid_until": exception.valid_until.isoformat(), "single_use": single_use})
    return exception


@transaction.atomic
def contact_exception_revoke(*, exception: ContactException, actor, reason: str) -> ContactException:
    if not can(actor, Capability.AUTHORISE_CONTACT_EXCEPTIONS):
        raise DomainError(_("Only a supervisor may authorise an exception to the contact rules."),
                          code="exception_not_allowed")
    reason = reason_required(reason)
    current = ContactException.objects.select_for_update().get(pk=exception.pk)
    if current.revoked_at is None:
        current.revoked_at, current.revoked_by_label = timezone.now(), actor.get_username()
        current.save(update_fields=["revoked_at", "revoked_by_label"])
        audit_log(actor=actor, action="contact_exception.revoked", obj=current, case_id=current.case_id,
                  reason=reason)
    return current


@transaction.atomic
def contact_attempt_reason_set(*, case: Case, attempt_id: int, actor, reason: str) -> ContactAttempt:
    """Record the reason for the delinquency on a conversation that lacks one (a telephony record).
    The rest of the attempt, its verdict above all, is never revised."""
    if reason not in DelinquencyReason.values:
        raise DomainError(_("Choose why the account fell behind."), code="delinquency_reason_required",
                          field="delinquency_reason")
    attempt = ContactAttempt.objects.select_for_update().filter(case=case, pk=attempt_id).first()
    if attempt is None:
        raise DomainError(_("No such contact on this case."), code="not_found", field="attempt")
    if attempt.delinquency_reason:
        raise Conflict(_("This contact already records why the account fell behind."))
    attempt.delinquency_reason = reason
    attempt.save(update_fields=["delinquency_reason"])
    audit_log(actor=actor, action="contact_attempt.reason_recorded", obj=attempt, case_id=case.pk,
              changes={"delinquency_reason": reason})
    return attempt


# An exception is for a moment that needs it (a cardholder who asked to be called late tonight), not a
# standing permission: three days at most.
MAX_EXCEPTION_HOURS = 72


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
    visit requests, whoever planned them, so none waits in a queue the rules would refuse; a hold or a
    placement with an outside agency also cancels the policy's other contacts, as the pass would, except
    the letter to the estate. Each keeps its
    cause in its trail. Set-based: the rows are locked, then written in one statement per thousand.
    """
    pending = ScheduledContact.objects.filter(case_id__any=list(stop.case_ids), status=ContactStatus.SCHEDULED)
    if stop.cause == StopCause.LEGAL:
        # In litigation only the legal officer's letters go out.
        pending = pending.exclude(purpose=PURPOSE_LEGAL)
    elif not stop.closing:
        scope = Q(channel__in=STOPPED_TASK_CHANNELS)
        if stop.cause in (StopCause.HOLD, StopCause.PLACED):
            scope |= Q(origin=Origin.POLICY)
        # The letter to the estate is sent because of a hold; another hold makes the governor hold it back.
        pending = pending.filter(scope).exclude(rule=ESTATE_LETTER_RULE)
    rows = list(pending.select_for_update().order_by("pk").values("id", "trail"))
    entry = {"at": stop.at.isoformat(), "status": ContactStatus.CANCELLED, "reason": stop.reason,
             "cause": stop.cause, "by": actor_fields(stop.actor)["actor_label"]}
    return bulk_update_rows(model=ScheduledContact, fields=["status", "trail", "updated_at"], rows=[
        {"id": row["id"], "status": ContactStatus.CANCELLED, "trail": [*row["trail"], entry], "updated_at": stop.at}
        for row in rows])


LETTER_MAX_CHARS = 8000


@transaction.atomic
def staff_letter_schedule(*, case: Case, actor, text: str, purpose: str, at: dt.datetime | None = None
                          ) -> ScheduledContact:
    """Plan a letter a member of staff wrote, to go out now, through the governor with `purpose`.

    The caller decides who may write for that purpose (the legal officer, in litigation). The governor is
    asked now, and refuses with ContactNotPermitted; delivery asks it again (contacts.delivery), so a hold
    placed meanwhile still stops the letter. The text is kept as written and sent instead of a template.
    """
    text = (text or "").strip()
    if not text:
        raise DomainError(_("A letter cannot be empty."), code="empty_letter", field="text")
    if len(text) > LETTER_MAX_CHARS:
        raise DomainError(_("A letter is at most %(limit)s characters."), params={"limit": f"{LETTER_MAX_CHARS:,}"},
                          code="letter_too_long", field="text")
    now = at or timezone.now()
    verdict = governor_check(case=case, channel=Channel.LETTER, at=now, purpose=purpose, by_staff=True)
    if not verdict.allowed:
        raise ContactNotPermitted(verdict)
    who = actor_fields(actor)
    contact = ScheduledContact.objects.create(
        case=case, channel=Channel.LETTER, due_at=now, origin=Origin.STAFF, purpose=purpose, drafted_text=text,
        idempotency_key=f"staff-letter:{case.pk}:{uuid.uuid4().hex}",
        trail=[{**verdict.as_trail(), "by": who["actor_label"], "purpose": purpose}], created_at=now, updated_at=now)
    audit_log(actor=actor, action="contact.letter_written", obj=contact, case_id=case.pk,
              changes={"purpose": purpose, "length": len(text)})
    return contact


def call_tasks_assign(*, agents: dict[int, int], at: dt.datetime) -> int:
    """Give the pending call tasks nobody holds yet to the agent each case was just assigned to
    ({case id: agent id}); returns how many moved. A task someone already holds keeps its holder."""
    if not agents:
        return 0
    tasks = list(ScheduledContact.objects.filter(case_id__in=list(agents), status=ContactStatus.SCHEDULED,
                                                 channel=Channel.CALL, assigned_to__isnull=True)
                 .values_list("pk", "case_id"))
    rows = [{"id": pk, "assigned_to_id": agents[case_id], "updated_at": at} for pk, case_id in tasks]
    return bulk_update_rows(model=ScheduledContact, rows=rows, fields=["assigned_to_id", "updated_at"])
