"""Calls fed by the telephony system (the dialer), recorded in sets.

Record first, judge second, as `contact_attempt_log` does for one contact, with the same judgement
(`attempt_judge`) but a few queries per batch instead of several per call: the governor's facts for every
case of the batch are read at once, and the calls are judged in the order they happened, each counting
against the next of the same cardholder and number. The batch is idempotent by the call's external id:
the unique index on it decides what is new, for a replay as for two batches sent at once.
"""

import bisect
import dataclasses
import datetime as dt
from contextlib import suppress
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases.contact_points import own_number_hashes, standing_of
from cases.errors import HoldError
from cases.holds import case_hold_place
from cases.lifecycle import HoldKind, Stage
from cases.models import Account, Case, ContactPoint, Customer
from contacts.governor import (
    LOOKBACK_DAYS,
    AttemptFact,
    governor_evaluate,
    governor_facts,
    governor_hold_spans,
    governor_number_attempts,
    governor_profile_for,
    governor_profiles,
    holds_at,
)
from contacts.models import (
    AttemptResult,
    AttemptSource,
    Channel,
    ContactAttempt,
    ContactException,
    ContactStatus,
    Direction,
    Origin,
    ScheduledContact,
)
from contacts.services import (
    CLOCK_SKEW,
    Judgement,
    Recording,
    attempt_judge,
    cases_first_contact_made,
    contact_exceptions_locked,
    inbound_trail,
    recording_check,
)
from core.bulk import bulk_insert, bulk_update_rows
from core.crypto import pii_hash_many
from core.errors import DomainError
from core.i18n import stored_phrase

# Who logged a call no agent is named on (an automated or abandoned call).
TELEPHONY = stored_phrase("telephony")


class CallResult:
    RECORDED = "recorded"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class DialerCall:
    """One call as the telephony system reports it."""

    external_id: str
    account_number: str
    direction: str
    number: str
    started_at: dt.datetime
    result: str
    duration_seconds: int | None = None
    reason: str = ""
    agent: str = ""
    recording: Recording | None = None


@dataclass(frozen=True)
class CallRejection:
    field: str
    code: str
    message: str


@dataclass
class CallOutcome:
    result: str
    case_id: int | None = None
    attempt_id: int | None = None
    breaches: list[str] = field(default_factory=list)
    errors: list[CallRejection] = field(default_factory=list)


def _reject(field_name: str, code: str, message: str) -> CallOutcome:
    return CallOutcome(CallResult.REJECTED, errors=[CallRejection(field_name, code, message)])


def telephony_attempts_record(*, calls: list[DialerCall], now: dt.datetime | None = None) -> list[CallOutcome]:
    """Record the dialer's calls; one outcome per call, in order: recorded (with the rules it broke),
    duplicate (its external id is recorded already) or rejected (with the field at fault).

    A call is recorded on its account's open case, else on the account's latest case. The dialled number
    is matched to the cardholder's contact points by its keyed hash (a third party's point makes it a
    third-party call). An outbound call is judged as of when it started against what was recorded at that
    moment and the calls before it in the batch; a supervisor's exception covering it is honoured (and a
    single-use one used up). An inbound call is never a breach and counts towards no limit. An outbound
    call answers its case's pending policy call task; a dispute raised puts the case on a dispute hold; the
    cases still at confirm or plan enter contact (set-based). Everything the batch writes is written in one
    transaction; a rejected call never blocks the others.
    """
    now = now or timezone.now()
    outcomes: list[CallOutcome | None] = [None] * len(calls)
    first: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []
    for index, call in enumerate(calls):
        problem = _call_problem(call, now)
        if problem is not None:
            outcomes[index] = problem
        elif call.external_id in first:
            repeats.append((index, first[call.external_id]))
        else:
            first[call.external_id] = index
    if first:
        _record(calls=calls, indexes=list(first.values()), outcomes=outcomes, now=now)
    for index, earlier in repeats:
        if outcomes[earlier].result != CallResult.REJECTED and calls[index] == calls[earlier]:
            previous = outcomes[earlier]
            outcomes[index] = CallOutcome(CallResult.DUPLICATE, previous.case_id, previous.attempt_id,
                                          list(previous.breaches))
        else:
            outcomes[index] = _reject("external_id", "duplicate_item",
                                      "This call id appears earlier in the batch with other details.")
    return outcomes


def _call_problem(call: DialerCall, now: dt.datetime) -> CallOutcome | None:
    """What is wrong with a call on its own (the API's format checks already passed), or None."""
    if call.started_at > now + CLOCK_SKEW:
        return _reject("started_at", "occurred_in_future", "A call cannot have started in the future.")
    try:
        recording_check(call.recording)
    except DomainError as exc:
        return _reject(exc.field or "recording", exc.code, "A SHA-256 is 64 lowercase hexadecimal characters."
                       if exc.code == "recording_sha256_invalid" else "A recording needs the telephony system's id.")
    return None


def _cases_of(account_numbers: set[str]) -> dict[str, tuple[int, int, int]]:
    """{account number: (case id, account id, cardholder id)}: the open case, else the latest one."""
    accounts = {row["id"]: row for row in Account.objects.filter(account_number__any=sorted(account_numbers))
                .values("id", "account_number", "customer_id")}
    chosen: dict[int, dict] = {}
    for row in (Case.objects.filter(account_id__any=list(accounts)).values("id", "account_id", "stage", "opened_at")
                .order_by("account_id", "opened_at", "id")):
        current = chosen.get(row["account_id"])
        if current is None or current["stage"] == Stage.CLOSED:
            chosen[row["account_id"]] = row
    return {accounts[pk]["account_number"]: (row["id"], pk, accounts[pk]["customer_id"])
            for pk, row in chosen.items()}


def _record(*, calls: list[DialerCall], indexes: list[int], outcomes: list, now: dt.datetime) -> None:
    cases = _cases_of({calls[i].account_number for i in indexes})
    agents = dict(get_user_model().objects.filter(
        username__any=sorted({calls[i].agent for i in indexes if calls[i].agent}))
                  .values_list("username", "id"))
    known = _recorded([calls[i].external_id for i in indexes])
    todo = []
    for index in indexes:
        call = calls[index]
        if call.external_id in known:
            outcomes[index] = _duplicate(known[call.external_id])
        elif call.account_number not in cases:
            outcomes[index] = _reject("account_number", "unknown_account", "No account has this number.")
        elif call.agent and call.agent not in agents:
            outcomes[index] = _reject("agent", "unknown_agent", "No member of staff has this login.")
        else:
            todo.append(index)
    if not todo:
        return
    # In the order the calls happened: each one counts against the next of its cardholder and number.
    todo.sort(key=lambda i: (calls[i].started_at, i))
    hashes = pii_hash_many([calls[i].number for i in todo])
    hash_of = dict(zip(todo, hashes, strict=True))
    customers = {cases[calls[i].account_number][2] for i in todo}
    points: dict[tuple[int, str], ContactPoint] = {}
    # Every point of the batch's numbers, for what each number is to its cardholder (wrong, a third party…).
    standing_points: dict[tuple[int, str], list[dict]] = {}
    for point in (ContactPoint.objects.filter(customer_id__any=sorted(customers),
                                              phone_hash__any=sorted(set(hashes) - {""})).order_by("id")):
        key = (point.customer_id, point.phone_hash)
        standing_points.setdefault(key, []).append(
            {"kind": point.kind, "retired_at": point.retired_at, "wrong_at": point.wrong_at})
        # A current point before a retired or wrong one; the newest among equals.
        if key not in points or point.is_usable or not points[key].is_usable:
            points[key] = point
    own = {customer.pk: own_number_hashes(customer)
           for customer in Customer.objects.filter(pk__in=customers).only("id", "phone_hash", "other_phones")}
    standing = {}
    for index in todo:
        customer_id, number_hash = cases[calls[index].account_number][2], hash_of[index]
        standing[index] = standing_of(number_hash=number_hash, own_hashes=own.get(customer_id, set()),
                                      points=standing_points.get((customer_id, number_hash), []),
                                      at=calls[index].started_at) if number_hash else ""
    with transaction.atomic():
        rows, judged = _judge(calls=calls, todo=todo, cases=cases, agents=agents, points=points, hash_of=hash_of,
                              standing=standing, now=now)
        # The unique index on the call id decides what is new, for a replay as for a concurrent batch holding
        # the same call. Inserting in call-id order keeps two such batches from waiting on each other in a cycle.
        inserted = dict(bulk_insert(model=ContactAttempt, rows=sorted(rows, key=lambda row: row["external_id"]),
                                    conflict=["external_id"], conflict_where="external_id <> ''",
                                    returning=["external_id", "id"]))
        _answer_tasks(rows=rows, inserted=inserted, now=now)
        used = {judgement.exception.pk for row, judgement in zip(rows, judged, strict=True)
                if row["external_id"] in inserted and judgement.exception is not None
                and judgement.exception.single_use}
        if used:
            ContactException.objects.filter(pk__in=used).update(used_at=now)
        lost = [row["external_id"] for row in rows if row["external_id"] not in inserted]
        # Sent at the same time in another batch, which recorded it first.
        stored = _recorded(lost) if lost else {}
        disputed = set()
        for index, row in zip(todo, rows, strict=True):
            external_id = row["external_id"]
            if external_id in inserted:
                outcomes[index] = CallOutcome(CallResult.RECORDED, row["case_id"], inserted[external_id],
                                              list(row["breached_rules"]))
                if row["result"] == AttemptResult.DISPUTE:
                    disputed.add((row["case_id"], row["actor_id"], row["actor_label"]))
            else:
                outcomes[index] = _duplicate(stored[external_id])
        _hold_disputed(disputed)
        # The calls are the first contact made on the cases still at confirm or plan: one set-based move.
        cases_first_contact_made(case_ids={row["case_id"] for row in rows if row["external_id"] in inserted},
                                 actor=TELEPHONY, at=now)


def _recorded(external_ids: list[str]) -> dict[str, dict]:
    """The calls recorded already among `external_ids`. Blank ids are left out in so many words: only then
    does PostgreSQL use the partial unique index on the id rather than read every attempt."""
    return {row["external_id"]: row for row in ContactAttempt.objects.filter(external_id__any=external_ids)
            .exclude(external_id="").values("external_id", "id", "case_id", "breached_rules")}


def _duplicate(row: dict) -> CallOutcome:
    return CallOutcome(CallResult.DUPLICATE, row["case_id"], row["id"], list(row["breached_rules"]))


def _judge(*, calls, todo, cases, agents, points, hash_of, standing, now) -> tuple[list[dict], list[Judgement]]:
    """The rows to insert, judged in the order the calls happened, with their judgements."""
    case_ids = sorted({cases[calls[i].account_number][0] for i in todo})
    start, end = calls[todo[0]].started_at, calls[todo[-1]].started_at
    facts = governor_facts(case_ids=case_ids, at=end, as_recorded=True, earliest=start)
    spans = governor_hold_spans(case_ids=case_ids, start=start, end=end)
    by_customer: dict[int, list[AttemptFact]] = {}
    for case_facts in facts.values():
        by_customer.setdefault(case_facts.customer_id, case_facts.attempts)
    by_number = governor_number_attempts(set(hash_of.values()) - {""}, since=start - dt.timedelta(days=LOOKBACK_DAYS),
                                         at=end)
    exceptions: dict[int, list[ContactException]] = {}
    outbound_cases = sorted({cases[calls[i].account_number][0] for i in todo
                             if calls[i].direction == Direction.OUTBOUND})
    if outbound_cases:
        for exception in contact_exceptions_locked(case_ids=outbound_cases, start=start, end=end):
            exceptions.setdefault(exception.case_id, []).append(exception)
    profiles, profile_of = governor_profiles(), {}
    rows, judged = [], []
    for index in todo:
        call = calls[index]
        case_id, _account, customer_id = cases[call.account_number]
        number_hash = hash_of[index]
        point = points.get((customer_id, number_hash)) if number_hash else None
        third_party = point is not None and point.is_third_party
        attempts = by_customer.setdefault(customer_id, [])
        on_number = by_number.setdefault(number_hash, []) if number_hash else []
        if call.direction == Direction.OUTBOUND:
            case_facts = dataclasses.replace(facts[case_id], holds=holds_at(spans.get(case_id, []), call.started_at),
                                             attempts=attempts, number_attempts=on_number,
                                             number_standing=standing[index])
            zone = case_facts.timezone
            if zone not in profile_of:
                profile_of[zone] = governor_profile_for(tz_name=zone, profiles=profiles)
            verdict = governor_evaluate(facts=case_facts, channel=Channel.CALL, at=call.started_at, number=call.number,
                                        to_third_party=third_party, find_next=False, profile=profile_of[zone],
                                        by_staff=True)  # an agent's call, placed through the dialer
            judgement = attempt_judge(verdict=verdict, exceptions=exceptions.get(case_id, []), now=now)
        else:
            judgement = Judgement(trail=inbound_trail(call.started_at), breached_rules=[])
        fact = AttemptFact(at=call.started_at, channel=Channel.CALL, result=call.result, number_hash=number_hash,
                           third_party=third_party, direction=call.direction, case_id=case_id)
        bisect.insort(attempts, fact, key=lambda a: a.at)
        if number_hash:
            bisect.insort(on_number, fact, key=lambda a: a.at)
        recording = call.recording
        rows.append({
            "case_id": case_id, "customer_id": customer_id, "scheduled_contact_id": None, "channel": Channel.CALL,
            "direction": call.direction, "source": AttemptSource.TELEPHONY, "external_id": call.external_id,
            "actor_id": agents.get(call.agent) if call.agent else None, "actor_label": call.agent or TELEPHONY,
            "occurred_at": min(call.started_at, now), "logged_at": now, "duration_seconds": call.duration_seconds,
            "number": call.number, "number_hash": number_hash, "contact_point_id": point.pk if point else None,
            "third_party": third_party, "result": call.result, "delinquency_reason": call.reason or "",
            "callback_requested": False, "notes": "",
            "recording_ref": recording.ref.strip() if recording else "",
            "recording_sha256": recording.sha256 if recording else "",
            "recording_keep_until": recording.keep_until if recording else None,
            "verdict": judgement.trail, "breached_rules": judgement.breached_rules,
            "exception_id": judgement.exception.pk if judgement.exception is not None else None,
        })
        judged.append(judgement)
    return rows, judged


def _answer_tasks(*, rows: list[dict], inserted: dict[str, int], now: dt.datetime) -> None:
    """Each case's pending policy call task is answered by the first outbound call recorded on it, as
    `contact_attempt_log` answers it for a call staff log. Locked first, so that two batches answer it once."""
    firsts: dict[int, dict] = {}
    for row in rows:
        if row["direction"] == Direction.OUTBOUND and row["external_id"] in inserted:
            firsts.setdefault(row["case_id"], row)
    if not firsts:
        return
    tasks: dict[int, dict] = {}
    for task in (ScheduledContact.objects.select_for_update()
                 .filter(case_id__any=list(firsts), channel=Channel.CALL, origin=Origin.POLICY,
                         status=ContactStatus.SCHEDULED)
                 .order_by("case_id", "due_at", "id").values("id", "case_id", "trail")):
        tasks.setdefault(task["case_id"], task)
    if not tasks:
        return
    attempt_rows, task_rows = [], []
    for case_id, task in tasks.items():
        row = firsts[case_id]
        attempt_id = inserted[row["external_id"]]
        attempt_rows.append({"id": attempt_id, "scheduled_contact": task["id"]})
        entry = {"at": now.isoformat(), "status": ContactStatus.DONE, "attempt": attempt_id, "result": row["result"]}
        task_rows.append({"id": task["id"], "status": ContactStatus.DONE, "trail": [*task["trail"], entry],
                          "updated_at": now})
    bulk_update_rows(model=ScheduledContact, rows=task_rows, fields=["status", "trail", "updated_at"])
    bulk_update_rows(model=ContactAttempt, rows=attempt_rows, fields=["scheduled_contact"])


def _hold_disputed(disputed: set[tuple[int, int | None, str]]) -> None:
    """A dispute raised on a call puts its case on a dispute hold, as for a call staff log."""
    if not disputed:
        return
    users = {user.pk: user for user in get_user_model().objects.filter(
        pk__in={actor for _case, actor, _label in disputed if actor})}
    for case in Case.objects.filter(pk__in={case_id for case_id, *_ in disputed}).exclude(stage=Stage.CLOSED):
        actor_id, label = next((actor, label) for case_id, actor, label in sorted(disputed, key=str)
                               if case_id == case.pk)
        with suppress(HoldError):  # already on a dispute hold
            case_hold_place(case=case, kind=HoldKind.DISPUTE, actor=users.get(actor_id) or label,
                            reason=stored_phrase("Dispute raised on contact."))
