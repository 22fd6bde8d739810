"""Promises to pay: taking one, and evaluating the ones in force (on every payment batch and on a schedule).

A promise is kept when the payments on its case from the moment it was taken until the end of its date
plus the grace period (in the cardholder's time zone) reach its amount; partially kept when some money
arrived by then; broken when none did. Kept is decided as soon as the money is in; the other two only once
the grace period has run out.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.contact_stops import StopCause, cases_contact_stop
from cases.lifecycle import Stage
from cases.models import Case, Payment
from cases.services import case_transition, case_transition_many
from core.actors import SYSTEM, actor_fields
from core.bulk import bulk_update_rows
from core.i18n import lazy_date, stored_phrase
from core.outbox import task_enqueue
from events.models import EventType
from events.services import event_emit, events_emit_bulk
from repayment_plans.errors import PromiseError, PromiseExists
from repayment_plans.models import PlanStatus, Promise, PromiseChannel, PromiseStatus, RepaymentPlan
from repayment_plans.recordings import agreement_recording
from staff.permissions import Capability, can

# The stages a promise may be taken from; the case then waits in follow-up for the money.
TAKEN_FROM = frozenset({Stage.CONFIRM, Stage.PLAN, Stage.CONTACT, Stage.NEGOTIATE, Stage.FOLLOW_UP})
BROKEN_REASON = stored_phrase("Promise to pay not kept by its date and grace period.")
# The stage change's reason, stored in English with its figures and shown in the reader's language.
PROMISE_REASON = stored_phrase("Promise to pay %(amount)s %(currency)s by %(date)s.")


def promise_deadline(*, due_date: dt.date, tz_name: str, grace_days: int | None = None) -> dt.datetime:
    """The first moment after the grace period: midnight starting the day after `due_date` + grace, local."""
    grace = settings.PROMISE_GRACE_DAYS if grace_days is None else grace_days
    day = due_date + dt.timedelta(days=grace + 1)
    return dt.datetime.combine(day, dt.time.min, ZoneInfo(tz_name)).astimezone(dt.UTC)


def promise_take(
    *, case: Case, amount: Decimal, due_date: dt.date, channel: str, actor, note: str = "",
    recording_ref: str = "", recording_sha256: str = "", at: dt.datetime | None = None,
    ip_address: str | None = None,
) -> Promise:
    """Record the cardholder's promise to pay `amount` (in the case's currency) by `due_date`.

    Callers: the case page, field visits and the cardholder's own page. `actor` is the member of staff
    (agent, field agent, supervisor or manager) who took it, or the cardholder (core.actors.Cardholder) on
    channel "online"; `channel` is one of PromiseChannel (call, visit, …).

    Invariants: the case is open and not in legal; the amount is a positive Decimal no larger than the
    total overdue; the date is between the cardholder's today and PROMISE_MAX_DAYS_AHEAD days later; a
    promise on a call names the call's recording when RECORDINGS_REQUIRED_FOR_AGREEMENTS is on; at
    most one pending promise per case (PromiseExists otherwise). Side effects: the case moves to
    follow-up (through contact when it had not got there yet), its pending calls and visits are cancelled
    (`cases.contact_stops`), the promise is audited and promise.taken is emitted, all in one transaction.
    """
    # Staff take promises; the cardholder makes their own, on their own page, for their own case alone.
    own = (channel == PromiseChannel.ONLINE and can(actor, Capability.SERVE_THEMSELVES) and actor.owns(case))
    if not (own or (channel != PromiseChannel.ONLINE and can(actor, Capability.TAKE_PROMISES))):
        raise PromiseError(_("Only collections staff may take a promise to pay."), code="not_allowed")
    if channel not in PromiseChannel.values:
        raise PromiseError(_("Unknown channel %(channel)s."), params={"channel": repr(channel)}, field="channel")
    if not isinstance(amount, Decimal) or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise PromiseError(_("The amount must be positive, in cents."), code="invalid_amount", field="amount")
    now = at or timezone.now()
    today = now.astimezone(ZoneInfo(case.timezone_name)).date()
    latest = today + dt.timedelta(days=settings.PROMISE_MAX_DAYS_AHEAD)
    if not today <= due_date <= latest:
        raise PromiseError(_("The date must be between %(today)s and %(latest)s."),
                           params={"today": lazy_date(today), "latest": lazy_date(latest)},
                           code="invalid_date", field="due_date")
    recording_ref, recording_sha256 = agreement_recording(
        by_phone=channel == PromiseChannel.CALL, ref=recording_ref, sha256=recording_sha256, error=PromiseError)
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("account__customer").get(pk=case.pk)
        if case.stage not in TAKEN_FROM:
            raise PromiseError(_("A promise can only be taken on a case in collections."), code="case_not_open")
        if amount > case.total_overdue:
            raise PromiseError(_("The amount is more than the %(total_overdue)s %(currency)s overdue."),
                               params={"total_overdue": case.total_overdue, "currency": case.currency},
                               code="invalid_amount", field="amount")
        try:
            with transaction.atomic():
                promise = Promise.objects.create(case=case, amount=amount, currency=case.currency, due_date=due_date,
                                                 channel=channel, note=(note or "").strip(), taken_at=now,
                                                 recording_ref=recording_ref, recording_sha256=recording_sha256,
                                                 **_taken_by(actor))
        except IntegrityError as exc:
            raise PromiseExists(_("This case already has a promise in force.")) from exc
        reason = PROMISE_REASON % {"amount": amount, "currency": case.currency, "date": due_date.isoformat()}
        if case.stage in (Stage.CONFIRM, Stage.PLAN):
            case = case_transition(case=case, to=Stage.CONTACT, actor=actor, reason=reason, at=now)
        if case.stage != Stage.FOLLOW_UP:
            case = case_transition(case=case, to=Stage.FOLLOW_UP, actor=actor, reason=reason, at=now)
        cases_contact_stop(case_ids=[case.pk], cause=StopCause.PROMISE, actor=actor, at=now)
        audit_log(actor=actor, action="promise.taken", obj=promise, case_id=case.pk, ip_address=ip_address,
                  changes={"amount": str(amount), "due_date": due_date.isoformat(), "channel": channel,
                           **({"recording": recording_ref} if recording_ref else {})})
        event_emit(type=EventType.PROMISE_TAKEN, case=case, at=now,
                   payload={"promise_id": promise.pk, "amount": str(amount), "currency": case.currency,
                            "due_date": due_date.isoformat(), "channel": channel})
    return promise


def _taken_by(actor) -> dict:
    who = actor_fields(actor)
    return {"taken_by": who["actor"], "taken_by_label": who["actor_label"]}


def promises_evaluate(*, at: dt.datetime | None = None, case_ids=None) -> dict[str, int]:
    """Evaluate pending promises as of `at`; returns how many became kept, partially kept and broken.

    With `case_ids` (a payment batch just paid those cases) only their promises are looked at, in the
    caller's transaction; without, every promise whose grace period may have run out. A few queries
    for any number of promises. The cases are locked before the promises, in id order, as the payment
    ingest does, so a batch and the scheduled pass wait for each other rather than deadlock. Kept emits
    promise.kept; partially kept and broken send the case from follow-up back to contact, emit
    promise.broken, and queue the case's tier re-evaluation once committed.
    """
    at = at or timezone.now()
    grace = settings.PROMISE_GRACE_DAYS
    pending = Promise.objects.filter(status=PromiseStatus.PENDING)
    if case_ids is not None:
        pending = pending.filter(case_id__any=list(case_ids))
    else:
        # Any zone's local date is within a day of UTC's; the exact deadline is checked below.
        pending = pending.filter(due_date__lte=at.date() - dt.timedelta(days=grace - 1))
    counts = {PromiseStatus.KEPT: 0, PromiseStatus.PARTIALLY_KEPT: 0, PromiseStatus.BROKEN: 0}
    with transaction.atomic():
        ids = sorted(set(pending.values_list("case_id", flat=True)))
        if not ids:
            return counts
        cases = {row["id"]: row for row in Case.objects.select_for_update().filter(pk__any=ids).order_by("pk")
                 .values("id", "stage", "account__account_number", "account__customer__timezone")}
        promises = list(Promise.objects.select_for_update().filter(case_id__any=ids, status=PromiseStatus.PENDING)
                        .order_by("pk"))
        windows = {}
        for promise in promises:
            tz_name = cases[promise.case_id]["account__customer__timezone"] or settings.COLLECTIONS_DEFAULT_TIMEZONE
            windows[promise.pk] = (promise.taken_at, promise_deadline(due_date=promise.due_date, tz_name=tz_name,
                                                                      grace_days=grace))
        paid: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
        by_case = defaultdict(list)
        for promise in promises:
            by_case[promise.case_id].append(promise)
        earliest = min(taken for taken, _deadline in windows.values())
        for case_id, paid_at, amount in (Payment.objects.counted().filter(case_id__any=ids, paid_at__gte=earliest)
                                         .values_list("case_id", "paid_at", "amount")):
            for promise in by_case[case_id]:
                taken, deadline = windows[promise.pk]
                if taken <= paid_at < deadline:
                    paid[promise.pk] += amount
        rows, events, broken_cases = [], [], []
        for promise in promises:
            money = paid[promise.pk]
            _taken, deadline = windows[promise.pk]
            if money >= promise.amount:
                status = PromiseStatus.KEPT
            elif at >= deadline:
                status = PromiseStatus.PARTIALLY_KEPT if money > 0 else PromiseStatus.BROKEN
            else:
                continue
            counts[status] += 1
            rows.append({"id": promise.pk, "status": status, "paid_amount": money, "evaluated_at": at})
            case = cases[promise.case_id]
            events.append({"type": EventType.PROMISE_KEPT if status == PromiseStatus.KEPT else EventType.PROMISE_BROKEN,
                           "case_id": promise.case_id, "account_number": case["account__account_number"],
                           "occurred_at": at,
                           "payload": {"promise_id": promise.pk, "status": status, "amount": str(promise.amount),
                                       "paid": str(money), "currency": promise.currency,
                                       "due_date": promise.due_date.isoformat()}})
            if status != PromiseStatus.KEPT:
                broken_cases.append(promise.case_id)
        bulk_update_rows(model=Promise, rows=rows, fields=["status", "paid_amount", "evaluated_at"])
        moved = []
        # A case following an active plan stays with the plan; the plan's own tracking decides for it.
        broken_cases = sorted(set(broken_cases) - set(RepaymentPlan.objects.filter(
            case_id__in=broken_cases, status=PlanStatus.ACTIVE).values_list("case_id", flat=True)))
        if broken_cases:
            moved = case_transition_many(case_ids=broken_cases, from_stages=(Stage.FOLLOW_UP,), to=Stage.CONTACT,
                                         actor=SYSTEM, reason=BROKEN_REASON, at=at)
        # Last: the outbox's writer lock is held from here until the commit.
        events_emit_bulk(events=events)
        if moved:
            queue_tier_reevaluation(moved)
    return counts


def queue_tier_reevaluation(case_ids: list[int]) -> None:
    """Ask the escalation pass, by task name through the outbox, to place these cases back in their tier now.

    Written in the caller's transaction: the cases go back to contact and their re-evaluation is queued
    together, or neither is. Escalation sits above this module, so it is reached by name, not import.
    """
    task_enqueue(task="escalation.reevaluate_tier", kwargs={"case_ids": sorted(case_ids)})


def promises_unkeep(*, case_ids, at: dt.datetime) -> dict[str, int]:
    """Evaluate again the kept promises of `case_ids` after a payment on them was reversed.

    In the payment batch's transaction. A promise the money that stands still covers stays kept. Otherwise it
    is partially kept or broken when its grace period has passed (promise.broken, and the case goes from
    follow-up back to contact, as for any broken promise), or pending again while it has not (unless the
    case has taken another promise meanwhile: then it counts as not kept).
    """
    ids = sorted(set(case_ids))
    counts = {PromiseStatus.PENDING: 0, PromiseStatus.PARTIALLY_KEPT: 0, PromiseStatus.BROKEN: 0}
    kept = list(Promise.objects.select_for_update().filter(case_id__any=ids, status=PromiseStatus.KEPT).order_by("pk"))
    if not kept:
        return counts
    cases = {row["id"]: row for row in Case.objects.filter(pk__any=ids)
             .values("id", "account__account_number", "account__customer__timezone")}
    pending = set(Promise.objects.filter(case_id__any=ids, status=PromiseStatus.PENDING)
                  .values_list("case_id", flat=True))
    windows = {}
    for promise in kept:
        tz_name = cases[promise.case_id]["account__customer__timezone"] or settings.COLLECTIONS_DEFAULT_TIMEZONE
        windows[promise.pk] = (promise.taken_at, promise_deadline(due_date=promise.due_date, tz_name=tz_name))
    earliest = min(taken for taken, _deadline in windows.values())
    payments = list(Payment.objects.counted().filter(case_id__any=ids, paid_at__gte=earliest)
                    .values_list("case_id", "paid_at", "amount"))
    rows, events, broken_cases = [], [], []
    for promise in kept:
        taken, deadline = windows[promise.pk]
        money = sum((amount for case_id, paid_at, amount in payments
                     if case_id == promise.case_id and taken <= paid_at < deadline), Decimal("0.00"))
        if money >= promise.amount:
            continue
        if at < deadline and promise.case_id not in pending:
            status = PromiseStatus.PENDING
            pending.add(promise.case_id)
        else:
            status = PromiseStatus.PARTIALLY_KEPT if money > 0 else PromiseStatus.BROKEN
            broken_cases.append(promise.case_id)
            events.append({"type": EventType.PROMISE_BROKEN, "case_id": promise.case_id,
                           "account_number": cases[promise.case_id]["account__account_number"], "occurred_at": at,
                           "payload": {"promise_id": promise.pk, "status": status, "amount": str(promise.amount),
                                       "paid": str(money), "currency": promise.currency,
                                       "due_date": promise.due_date.isoformat(), "payment_reversed": True}})
        counts[status] += 1
        rows.append({"id": promise.pk, "status": status, "paid_amount": money, "evaluated_at": at})
    bulk_update_rows(model=Promise, rows=rows, fields=["status", "paid_amount", "evaluated_at"])
    broken_cases = sorted(set(broken_cases) - set(RepaymentPlan.objects.filter(
        case_id__in=broken_cases, status=PlanStatus.ACTIVE).values_list("case_id", flat=True)))
    moved = case_transition_many(case_ids=broken_cases, from_stages=(Stage.FOLLOW_UP,), to=Stage.CONTACT,
                                 actor=SYSTEM, reason=BROKEN_REASON, at=at) if broken_cases else []
    events_emit_bulk(events=events)
    if moved:
        queue_tier_reevaluation(moved)
    return counts
