"""Writes to cases and payments (holds: cases.holds). Every caller (views, API, admin, commands, tasks) comes here."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.contact_stops import StopCause, cases_contact_stop
from cases.errors import OpenCaseExists, PaymentConflict, StageConflict, TransitionNotAllowed

# Holds have their own module (cases.holds); the two writers every app calls are named here as well.
from cases.holds import case_hold_place, case_hold_release  # noqa: F401
from cases.lifecycle import Outcome, Stage, reopen_allowed, transition_allowed
from cases.measures import measure_reason, measure_rows
from cases.models import Account, Case, CaseNote, Payment, StageHistory
from core.actors import actor_fields
from core.bulk import bulk_insert
from core.errors import DomainError, reason_required
from events.models import EventType
from events.services import event_emit, events_emit_bulk

AMOUNT_FIELDS = ("principal_overdue", "interest_overdue", "fees_overdue", "penalty_overdue")



def _stage_label(stage: str):
    """A stage's name, lazily: a refusal is read in the reader's language, and by the API in English."""
    return dict(Stage.choices).get(stage, stage)


def _move(from_stage: str, to: str, outcome: str | None):
    if outcome:
        return format_lazy("{} → {} ({})", _stage_label(from_stage), _stage_label(to),
                           dict(Outcome.choices).get(outcome, outcome))
    return format_lazy("{} → {}", _stage_label(from_stage), _stage_label(to))

def _require_reason(reason: str) -> str:
    return reason_required(reason)


NO_AMOUNT = Decimal("0")


def _check_amounts(amounts: dict[str, Decimal]) -> dict[str, Decimal]:
    checked = {}
    for name in AMOUNT_FIELDS:
        value = amounts.get(name, NO_AMOUNT)
        if not isinstance(value, Decimal):
            raise DomainError(_("%(name)s must be a Decimal."), params={"name": name}, field=name)
        if value < 0:
            raise DomainError(_("%(name)s cannot be negative."), params={"name": name}, code="negative_amount",
                              field=name)
        checked[name] = value
    return checked


@transaction.atomic
def case_open(
    *, account: Account, overdue_since: dt.date, amounts: dict[str, Decimal], actor, reason: str,
    team=None, agent=None, priority: int = 0, at: dt.datetime | None = None,
) -> Case:
    """Open a case at stage confirm for an account that has none open, and write its first history row.

    Raises OpenCaseExists when the account already has an open case (the database enforces this too).
    """
    now = at or timezone.now()
    reason = _require_reason(reason)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                account=account, currency=account.currency, overdue_since=overdue_since,
                assigned_team=team, assigned_agent=agent, priority=priority,
                opened_at=now, stage_changed_at=now, **_check_amounts(amounts),
            )
    except IntegrityError as exc:
        if Case.objects.filter(account=account).exclude(stage=Stage.CLOSED).exists():
            raise OpenCaseExists(_("Account %(account_number)s already has an open case."),
                                 params={"account_number": account.account_number}) from exc
        raise
    StageHistory.objects.create(case=case, from_stage="", to_stage=Stage.CONFIRM, reason=reason,
                                created_at=now, **actor_fields(actor))
    event_emit(type=EventType.CASE_OPENED, case=case, at=now,
               payload={"stage": Stage.CONFIRM, "overdue_since": overdue_since.isoformat()})
    return case


@transaction.atomic
def case_transition(
    *, case: Case, to: str, actor, reason: str, outcome: str | None = None, at: dt.datetime | None = None,
) -> Case:
    """Move a case from its current stage to `to`, the only way a stage or outcome ever changes.

    Invariants: the move must be in `cases.lifecycle.TRANSITIONS`; closing needs an outcome allowed from
    the current stage, and any other move takes none. The update is guarded by the stage the caller saw
    (`UPDATE … WHERE stage = old`), so of two concurrent transitions only one wins; the loser gets
    StageConflict and nothing changes. A history row and the events for the core system (stage changed;
    legal referral on entering legal; case closed with its outcome) are written in the same transaction;
    closing also cancels whatever contact and visit was still planned (`cases.contact_stops`). Entering
    legal or a write-off asks the core system for card measures, once per case (`cases.measures`). A case
    closed cured or settled may reopen, as itself, to contact or follow-up (`_case_reopen`); no other
    move leaves closed.
    """
    reason = _require_reason(reason)
    from_stage = case.stage
    if from_stage == Stage.CLOSED:
        return _case_reopen(case=case, to=to, actor=actor, reason=reason, outcome=outcome, at=at)
    if not transition_allowed(from_stage, to, outcome):
        raise TransitionNotAllowed(_("A case cannot move %(what)s."), params={"what": _move(from_stage, to, outcome)},
                                   field="to")
    now = at or timezone.now()
    closing = to == Stage.CLOSED
    changes = {
        "stage": to, "outcome": outcome or "", "stage_changed_at": now,
        "closed_at": now if closing else None, "updated_at": now,
    }
    if Case.objects.filter(pk=case.pk, stage=from_stage).update(**changes) != 1:
        raise StageConflict(_("Case %(pk)s is no longer at stage %(from_stage)s; reload it and try again."),
                            params={"pk": case.pk, "from_stage": _stage_label(from_stage)})
    StageHistory.objects.create(case=case, from_stage=from_stage, to_stage=to, outcome=outcome or "",
                                reason=reason, created_at=now, **actor_fields(actor))
    for field, value in changes.items():
        setattr(case, field, value)
    if closing:
        cases_contact_stop(case_ids=[case.pk], cause=StopCause.CLOSED, actor=actor, at=now, outcome=outcome or "",
                           note=reason)
    _emit_transition_events(case=case, from_stage=from_stage, to=to, outcome=outcome, reason=reason, at=now)
    measure = measure_reason(to, outcome)
    if measure:
        events_emit_bulk(events=measure_rows(rows=[(case.pk, case.account.account_number)], reason=measure, at=now))
    return case


def _case_reopen(*, case: Case, to: str, actor, reason: str, outcome: str | None, at: dt.datetime | None) -> Case:
    """The one way out of closed: a case closed cured or settled goes back to contact or follow-up, as itself.

    Guarded like every transition (`UPDATE … WHERE stage = closed AND outcome = old`); the database's one
    open case per account refuses it (OpenCaseExists) when the account has opened a newer case meanwhile.
    """
    closed_outcome = case.outcome
    if outcome or not reopen_allowed(closed_outcome, to):
        raise TransitionNotAllowed(_("A case cannot move %(what)s."),
                                   params={"what": _move(Stage.CLOSED, to, outcome)}, field="to")
    now = at or timezone.now()
    changes = {"stage": to, "outcome": "", "stage_changed_at": now, "closed_at": None, "updated_at": now}
    try:
        with transaction.atomic():
            updated = Case.objects.filter(pk=case.pk, stage=Stage.CLOSED, outcome=closed_outcome).update(**changes)
    except IntegrityError as exc:
        raise OpenCaseExists(_("Account %(account_number)s already has an open case."),
                             params={"account_number": case.account.account_number}) from exc
    if updated != 1:
        raise StageConflict(_("Case %(pk)s is no longer at stage %(from_stage)s; reload it and try again."),
                            params={"pk": case.pk, "from_stage": _stage_label(Stage.CLOSED)})
    StageHistory.objects.create(case=case, from_stage=Stage.CLOSED, to_stage=to, reason=reason, created_at=now,
                                **actor_fields(actor))
    for field, value in changes.items():
        setattr(case, field, value)
    event_emit(type=EventType.CASE_STAGE_CHANGED, case=case, at=now,
               payload={"from": Stage.CLOSED, "to": to, "reason": reason})
    event_emit(type=EventType.CASE_REOPENED, case=case, at=now,
               payload={"closed_as": closed_outcome, "to": to, "reason": reason})
    return case


@transaction.atomic
def cases_reopen(*, targets: dict[int, str], actor, reason: str, at: dt.datetime) -> list[int]:
    """Set-based reopening: {case id: contact or follow_up} for cases closed cured or settled.

    For the payment ingest, which holds the accounts' row locks and has checked that none of them has a
    newer open case. Cases no longer closed with a reopenable outcome are left; returns the ids reopened.
    """
    reason = _require_reason(reason)
    if any(to not in (Stage.CONTACT, Stage.FOLLOW_UP) for to in targets.values()):
        raise TransitionNotAllowed(_("A closed case reopens to contact or follow-up only."), field="to")
    changes = {"outcome": "", "stage_changed_at": at, "closed_at": None, "updated_at": at}
    reopened: dict[int, tuple[str, str]] = {}
    for to in sorted(set(targets.values())):
        ids = sorted(pk for pk, stage in targets.items() if stage == to)
        rows = [(pk, outcome) for pk, outcome in Case.objects.select_for_update().filter(
            pk__any=ids, stage=Stage.CLOSED).order_by("pk").values_list("pk", "outcome") if reopen_allowed(outcome, to)]
        Case.objects.filter(pk__any=[pk for pk, _outcome in rows]).update(stage=to, **changes)
        reopened.update({pk: (outcome, to) for pk, outcome in rows})
    if not reopened:
        return []
    who = actor_fields(actor)
    StageHistory.objects.bulk_create([
        StageHistory(case_id=pk, from_stage=Stage.CLOSED, to_stage=to, reason=reason, created_at=at, **who)
        for pk, (_outcome, to) in reopened.items()])
    numbers = dict(Case.objects.filter(pk__any=list(reopened)).values_list("pk", "account__account_number"))
    events = []
    for pk, (closed_as, to) in reopened.items():
        base = {"case_id": pk, "account_number": numbers[pk], "occurred_at": at}
        events.append({**base, "type": EventType.CASE_STAGE_CHANGED,
                       "payload": {"from": Stage.CLOSED, "to": to, "reason": reason}})
        events.append({**base, "type": EventType.CASE_REOPENED,
                       "payload": {"closed_as": closed_as, "to": to, "reason": reason}})
    events_emit_bulk(events=events)
    return sorted(reopened)


def _emit_transition_events(*, case: Case, from_stage: str, to: str, outcome: str | None, reason: str, at):
    event_emit(type=EventType.CASE_STAGE_CHANGED, case=case, at=at,
               payload={"from": from_stage, "to": to, "reason": reason})
    if to == Stage.LEGAL:
        event_emit(type=EventType.LEGAL_REFERRAL, case=case, at=at, payload={"reason": reason})
    if to == Stage.CLOSED:
        event_emit(type=EventType.CASE_CLOSED, case=case, at=at, payload={"outcome": outcome})


@dataclass(frozen=True)
class CaseOpening:
    account_id: int
    account_number: str
    currency: str
    overdue_since: dt.date
    amounts: dict[str, Decimal]


@transaction.atomic
def cases_open_bulk(*, openings: list[CaseOpening], actor, reason: str, at: dt.datetime | None = None) -> list[int]:
    """Set-based `case_open`: open one case at confirm per opening, with its history row and event.

    Returns the new case ids, in the order of `openings`. The caller holds the accounts' row locks, so no
    other case can open for them meanwhile; the database still refuses a second open case per account.
    """
    if not openings:
        return []
    reason = _require_reason(reason)
    now = at or timezone.now()
    rows = [{"account_id": o.account_id, "stage": Stage.CONFIRM, "outcome": "", "currency": o.currency,
             **_check_amounts(o.amounts), "overdue_since": o.overdue_since, "priority": 0, "opened_at": now,
             "stage_changed_at": now, "updated_at": now} for o in openings]
    ids = [case_id for (case_id,) in bulk_insert(model=Case, rows=rows, returning=["id"])]
    who = actor_fields(actor)
    actor_id = who["actor"].pk if who["actor"] is not None else None
    bulk_insert(model=StageHistory, rows=[
        {"case_id": case_id, "from_stage": "", "to_stage": Stage.CONFIRM, "outcome": "", "actor_id": actor_id,
         "actor_label": who["actor_label"], "reason": reason, "created_at": now} for case_id in ids])
    events_emit_bulk(events=[
        {"type": EventType.CASE_OPENED, "case_id": case_id, "account_number": o.account_number, "occurred_at": now,
         "payload": {"stage": Stage.CONFIRM, "overdue_since": o.overdue_since.isoformat()}}
        for case_id, o in zip(ids, openings, strict=True)])
    return ids


def _transition_rows(
    *, rows: list[tuple[int, str, str]], to: str, actor, reason: str, outcome: str | None, at: dt.datetime,
) -> dict[int, str]:
    """The set-based core of a transition: `rows` are (case id, stage the caller saw, account number).

    Checks every move against the table first (raising TransitionNotAllowed and changing nothing), then per
    from-stage locks the rows still at that stage, updates them, and writes their history rows and events.
    Returns {case id: from stage} for the cases that moved; the others had moved meanwhile and are left.
    """
    for from_stage in {stage for _pk, stage, _number in rows}:
        if not transition_allowed(from_stage, to, outcome):
            raise TransitionNotAllowed(_("A case cannot move %(what)s."),
                                       params={"what": _move(from_stage, to, outcome)}, field="to")
    closing = to == Stage.CLOSED
    changes = {"stage": to, "outcome": outcome or "", "stage_changed_at": at, "closed_at": at if closing else None,
               "updated_at": at}
    by_stage: dict[str, list[int]] = {}
    numbers: dict[int, str] = {}
    for pk, from_stage, number in rows:
        by_stage.setdefault(from_stage, []).append(pk)
        numbers[pk] = number
    moved: dict[int, str] = {}
    for from_stage, ids in by_stage.items():
        still = list(Case.objects.select_for_update().filter(pk__any=ids, stage=from_stage)
                     .order_by("pk").values_list("pk", flat=True))
        Case.objects.filter(pk__any=still).update(**changes)
        moved.update(dict.fromkeys(still, from_stage))
    who = actor_fields(actor)
    actor_id = who["actor"].pk if who["actor"] is not None else None
    # Rows, not model instances: a pass moves thousands of cases at a time.
    bulk_insert(model=StageHistory, rows=[
        {"case_id": pk, "from_stage": from_stage, "to_stage": to, "outcome": outcome or "", "actor_id": actor_id,
         "actor_label": who["actor_label"], "reason": reason, "created_at": at} for pk, from_stage in moved.items()])
    events = []
    for pk, from_stage in moved.items():
        base = {"case_id": pk, "account_number": numbers[pk], "occurred_at": at}
        events.append({**base, "type": EventType.CASE_STAGE_CHANGED,
                       "payload": {"from": from_stage, "to": to, "reason": reason}})
        if to == Stage.LEGAL:
            events.append({**base, "type": EventType.LEGAL_REFERRAL, "payload": {"reason": reason}})
        if closing:
            events.append({**base, "type": EventType.CASE_CLOSED, "payload": {"outcome": outcome}})
    if closing and moved:
        cases_contact_stop(case_ids=list(moved), cause=StopCause.CLOSED, actor=actor, at=at, outcome=outcome or "",
                           note=reason)
    measure = measure_reason(to, outcome)
    if measure and moved:
        events.extend(measure_rows(rows=[(pk, numbers[pk]) for pk in moved], reason=measure, at=at))
    # Through the outbox's writer lock, so the event feed never skips an id committed late.
    events_emit_bulk(events=events)
    return moved


@transaction.atomic
def cases_transition_bulk(
    *, cases: list[Case], to: str, actor, reason: str, outcome: str | None = None, at: dt.datetime | None = None,
) -> list[Case]:
    """Set-based `case_transition` with the same rules, for many cases moving to the same stage.

    Each case is moved only if it is still at the stage the caller saw (the rows are locked, then
    updated); the cases that moved are returned, the others are left as they are. Raises
    TransitionNotAllowed, changing nothing, when the move is not allowed from one of the stages.
    """
    reason = _require_reason(reason)
    now = at or timezone.now()
    moved = _transition_rows(rows=[(c.pk, c.stage, c.account.account_number) for c in cases], to=to, actor=actor,
                             reason=reason, outcome=outcome, at=now)
    result = []
    for case in cases:
        if case.pk in moved:
            case.stage, case.outcome, case.stage_changed_at, case.updated_at = to, outcome or "", now, now
            case.closed_at = now if to == Stage.CLOSED else None
            result.append(case)
    return result


def case_assign(*, case: Case, team=None, agent=None) -> Case:
    """Assign a case to a team and, optionally, one of its agents."""
    if agent is not None and team is not None:
        profile = getattr(agent, "profile", None)
        if profile is None or profile.team_id != team.pk:
            raise DomainError(_("The agent is not a member of that team."), field="agent")
    Case.objects.filter(pk=case.pk).update(assigned_team=team, assigned_agent=agent, updated_at=timezone.now())
    case.assigned_team, case.assigned_agent = team, agent
    return case


@transaction.atomic
def payment_record(
    *, account: Account, transaction_id: str, amount: Decimal, currency: str, paid_at: dt.datetime,
) -> tuple[Payment, bool]:
    """Record a payment once. Returns (payment, created).

    The same transaction id sent again with the same content returns the stored payment unchanged;
    with different content it raises PaymentConflict. A payment is linked to the account's open case,
    if there is one. The amount must be positive and in the account's currency.
    """
    if not isinstance(amount, Decimal) or amount <= 0:
        raise DomainError(_("The amount must be a positive decimal."), code="invalid_amount", field="amount")
    if currency != account.currency:
        raise DomainError(_("The account is in %(currency)s, not %(currency2)s."),
                          params={"currency": account.currency, "currency2": currency}, code="currency_mismatch",
                          field="currency")
    existing = Payment.objects.filter(transaction_id=transaction_id).first()
    if existing is None:
        open_case = Case.objects.filter(account=account).exclude(stage=Stage.CLOSED).first()
        try:
            with transaction.atomic():
                return Payment.objects.create(transaction_id=transaction_id, account=account, case=open_case,
                                              amount=amount, currency=currency, paid_at=paid_at), True
        except IntegrityError:
            existing = Payment.objects.get(transaction_id=transaction_id)
    same = (existing.account_id == account.pk and existing.amount == amount and existing.currency == currency
            and existing.paid_at == paid_at)
    if not same:
        raise PaymentConflict(_("Transaction %(transaction_id)s was already recorded with different details."),
                              params={"transaction_id": transaction_id},
                              field="transaction_id")
    return existing, False


def case_note_add(*, case: Case, actor, body: str, ip_address: str | None = None) -> CaseNote:
    """Add a note to a case and audit it. Notes are never edited or deleted."""
    body = (body or "").strip()
    if not body:
        raise DomainError(_("A note cannot be empty."), code="empty_note", field="body")
    if len(body) > 4000:
        raise DomainError(_("A note is at most 4,000 characters."), code="note_too_long", field="body")
    who = actor_fields(actor)
    with transaction.atomic():
        note = CaseNote.objects.create(case=case, author=who["actor"], author_label=who["actor_label"], body=body)
        audit_log(actor=actor, action="case.note_added", obj=note, case_id=case.pk,
                  changes={"length": len(body)}, ip_address=ip_address)
    return note


# --- Many cases at once -------------------------------------------------------------------------------------
# Kept apart from the single-case writers above: the escalation pass moves thousands of cases per chunk.


@transaction.atomic
def case_transition_many(
    *, case_ids, from_stages, to: str, actor, reason: str, at: dt.datetime | None = None,
) -> list[int]:
    """Move every listed case that is still at one of `from_stages` to `to`; returns the ids moved.

    For passes that hold ids rather than cases: the same rules and writes as `cases_transition_bulk`.
    Closing is not offered here, since it needs an outcome.
    """
    reason = _require_reason(reason)
    if to == Stage.CLOSED:
        raise TransitionNotAllowed(_("Closing a case needs an outcome."), field="to")
    for from_stage in from_stages:
        if not transition_allowed(from_stage, to, None):
            raise TransitionNotAllowed(_("A case cannot move %(what)s."), params={"what": _move(from_stage, to, None)},
                                       field="to")
    rows = list(Case.objects.filter(pk__in=list(case_ids), stage__in=list(from_stages))
                .values_list("pk", "stage", "account__account_number"))
    moved = _transition_rows(rows=rows, to=to, actor=actor, reason=reason, outcome=None, at=at or timezone.now())
    return sorted(moved)
