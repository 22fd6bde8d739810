"""What payments do to promises and plans, and the scheduled check for missed instalments.

`agreements_payments_applied` is the seam the payment ingest calls inside its transaction. Plans are
tracked by allocating, from scratch each time, everything paid on the case since the plan was proposed
to its instalments in order: partial payments leave an instalment part paid, early payments pay the next
ones ahead of their dates, and money beyond the plan's total is kept as its excess. Recomputing rather
than adding makes the allocation idempotent: a batch applied twice, or a check run twice, lands the same.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.lifecycle import Outcome, Stage
from cases.models import Case, Payment
from cases.services import case_transition_many, cases_transition_bulk
from core.actors import SYSTEM
from core.bulk import bulk_update_rows
from core.i18n import stored_phrase
from events.models import EventType
from events.services import events_emit_bulk
from repayment_plans.models import PLAN_IN_PROGRESS, Instalment, PlanDecision, PlanStatus, RepaymentPlan
from repayment_plans.promises import promises_evaluate, promises_unkeep, queue_tier_reevaluation

ZERO = Decimal("0.00")
COMPLETED_REASON = stored_phrase("Repayment plan completed: everything agreed has been paid.")
BROKEN_REASON = stored_phrase("Repayment plan broken: an instalment was missed past its grace period.")
REACTIVATED_REASON = stored_phrase("A payment towards the plan was reversed: the plan is tracked again.")


def agreements_payments_applied(*, case_ids: list[int], at: dt.datetime) -> None:
    """Called inside the payment batch's transaction with the open cases it paid, after the money is applied."""
    promises_evaluate(case_ids=case_ids, at=at)
    plans_allocate(case_ids=case_ids, at=at)


def agreements_payment_reversed(*, case_ids: list[int], at: dt.datetime) -> set[int]:
    """Called inside the payment batch's transaction with the cases whose money was reversed.

    A promise the money kept is evaluated again without it; a plan it completed is active again and
    tracked; the active plans of the cases are allocated again. Returns the cases that follow an active
    plan afterwards (a case the money had settled reopens in follow-up).
    """
    promises_unkeep(case_ids=case_ids, at=at)
    plans_reactivate(case_ids=case_ids, at=at)
    plans_allocate(case_ids=case_ids, at=at)
    return set(RepaymentPlan.objects.filter(case_id__any=list(case_ids), status=PlanStatus.ACTIVE)
               .values_list("case_id", flat=True))


def plans_reactivate(*, case_ids: list[int], at: dt.datetime) -> list[int]:
    """Make the last completed plan of each case active again when what stands paid on it no longer covers
    it (a payment towards it was reversed), with a decision row. Returns the plan ids reactivated."""
    in_progress = set(RepaymentPlan.objects.filter(case_id__any=list(case_ids), status__in=PLAN_IN_PROGRESS)
                      .values_list("case_id", flat=True))
    last = {}
    for plan in RepaymentPlan.objects.select_for_update().filter(
            case_id__any=list(case_ids), status=PlanStatus.COMPLETED).order_by("case_id", "ended_at", "pk"):
        if plan.case_id not in in_progress:
            last[plan.case_id] = plan
    if not last:
        return []
    payments = _payments_since_proposal(list(last.values()))
    again = [plan for plan in last.values() if sum((a for _p, a in payments[plan.pk]), ZERO) < plan.total]
    RepaymentPlan.objects.filter(pk__in=[p.pk for p in again], status=PlanStatus.COMPLETED).update(
        status=PlanStatus.ACTIVE, ended_at=None)
    PlanDecision.objects.bulk_create([PlanDecision(plan_id=plan.pk, from_status=PlanStatus.COMPLETED,
                                                   to_status=PlanStatus.ACTIVE, actor_label=SYSTEM,
                                                   reason=REACTIVATED_REASON, created_at=at) for plan in again])
    return [plan.pk for plan in again]


def instalment_deadline(*, due_date: dt.date, tz_name: str) -> dt.datetime:
    """Midnight starting the day after `due_date` + the grace period, in the cardholder's zone."""
    day = due_date + dt.timedelta(days=settings.PROMISE_GRACE_DAYS + 1)
    return dt.datetime.combine(day, dt.time.min, ZoneInfo(tz_name)).astimezone(dt.UTC)


def plans_allocate(*, case_ids, at: dt.datetime | None = None) -> list[int]:
    """Allocate the payments of the active plans of `case_ids`; complete the plans paid in full.

    A completed plan closes its case as settled (when the case is still in follow-up). Returns the ids
    of the plans completed. The caller holds the cases' row locks or this takes them (in id order).
    """
    at = at or timezone.now()
    with transaction.atomic():
        ids = sorted(set(case_ids))
        plans = list(RepaymentPlan.objects.filter(case_id__any=ids, status=PlanStatus.ACTIVE).order_by("case_id"))
        if not plans:
            return []
        list(Case.objects.select_for_update().filter(pk__in=[p.case_id for p in plans]).order_by("pk")
             .values_list("pk", flat=True))
        plans = list(RepaymentPlan.objects.select_for_update().filter(pk__in=[p.pk for p in plans],
                                                                      status=PlanStatus.ACTIVE).order_by("pk"))
        payments_by_plan = _payments_since_proposal(plans)
        instalments = defaultdict(list)
        for instalment in Instalment.objects.filter(plan__in=plans).order_by("plan_id", "number"):
            instalments[instalment.plan_id].append(instalment)
        instalment_rows, plan_rows, completed = [], [], []
        for plan in plans:
            payments = payments_by_plan[plan.pk]
            total_paid = sum((amount for _paid_at, amount in payments), ZERO)
            left, due_so_far = total_paid, ZERO
            for instalment in instalments[plan.pk]:
                share = min(left, instalment.amount)
                left -= share
                due_so_far += instalment.amount
                # Paid in full when the money paid, in the order it was paid, first covered this one too.
                paid_at = _covered_at(payments, due_so_far) if share == instalment.amount else None
                if (share, paid_at) != (instalment.paid_amount, instalment.paid_at):
                    instalment_rows.append({"id": instalment.pk, "paid_amount": share, "paid_at": paid_at})
            paid = total_paid - left
            plan_rows.append({"id": plan.pk, "paid_amount": paid, "excess_amount": left})
            if paid >= plan.total:
                completed.append(plan)
        bulk_update_rows(model=Instalment, rows=instalment_rows, fields=["paid_amount", "paid_at"])
        bulk_update_rows(model=RepaymentPlan, rows=plan_rows, fields=["paid_amount", "excess_amount"])
        if completed:
            _plans_end(plans=completed, to=PlanStatus.COMPLETED, reason=COMPLETED_REASON, at=at)
            closing = list(Case.objects.select_related("account").filter(
                pk__in=[p.case_id for p in completed], stage=Stage.FOLLOW_UP))
            if closing:
                cases_transition_bulk(cases=closing, to=Stage.CLOSED, outcome=Outcome.SETTLED, actor=SYSTEM,
                                      reason=COMPLETED_REASON, at=at)
    return [plan.pk for plan in completed]


def _payments_since_proposal(plans: list[RepaymentPlan]) -> dict[int, list[tuple[dt.datetime, Decimal]]]:
    """Plan id → (paid at, amount) of the payments on its case since it was proposed, oldest first."""
    by_case = {plan.case_id: plan for plan in plans}
    payments = defaultdict(list)
    earliest = min(plan.proposed_at for plan in plans)
    for case_id, paid_at, amount in (Payment.objects.counted().filter(case_id__any=list(by_case),
                                                                      paid_at__gte=earliest)
                                     .order_by("paid_at", "id").values_list("case_id", "paid_at", "amount")):
        plan = by_case[case_id]
        if paid_at >= plan.proposed_at:
            payments[plan.pk].append((paid_at, amount))
    return payments


def _covered_at(payments: list[tuple[dt.datetime, Decimal]], target: Decimal) -> dt.datetime | None:
    running = ZERO
    for paid_at, amount in payments:
        running += amount
        if running >= target:
            return paid_at
    return None


def _plans_end(*, plans: list[RepaymentPlan], to: str, reason: str, at: dt.datetime) -> list[RepaymentPlan]:
    """Set-based end of active plans (compare-and-swap on status), with their decision rows."""
    ended = set(RepaymentPlan.objects.filter(pk__in=[p.pk for p in plans], status=PlanStatus.ACTIVE)
                .values_list("pk", flat=True))
    RepaymentPlan.objects.filter(pk__in=ended).update(status=to, ended_at=at)
    PlanDecision.objects.bulk_create([PlanDecision(plan_id=pk, from_status=PlanStatus.ACTIVE, to_status=to,
                                                   actor_label=SYSTEM, reason=reason, created_at=at)
                                      for pk in sorted(ended)])
    return [plan for plan in plans if plan.pk in ended]


def plans_check(*, at: dt.datetime | None = None) -> dict[str, int]:
    """The scheduled pass over active plans: allocate what was paid, then break the plans that missed too much.

    A plan breaks when more of its instalments than PLAN_LATE_INSTALMENTS_TOLERATED are late: unpaid, or
    paid in full only after their grace period ran out. A broken plan sends its case from follow-up back
    to contact, emits plan.broken, and queues the case's tier re-evaluation once committed.
    """
    at = at or timezone.now()
    with transaction.atomic():
        case_ids = list(RepaymentPlan.objects.filter(status=PlanStatus.ACTIVE).values_list("case_id", flat=True))
        completed = plans_allocate(case_ids=case_ids, at=at) if case_ids else []
        plans = list(RepaymentPlan.objects.filter(status=PlanStatus.ACTIVE, case_id__in=case_ids)
                     .select_related("case__account__customer").order_by("pk"))
        late = defaultdict(int)
        default_zone = settings.COLLECTIONS_DEFAULT_TIMEZONE
        zones = {plan.pk: plan.case.account.customer.timezone or default_zone for plan in plans}
        for instalment in Instalment.objects.filter(plan_id__in=list(zones), due_date__lt=at.date()):
            deadline = instalment_deadline(due_date=instalment.due_date, tz_name=zones[instalment.plan_id])
            if at >= deadline and (instalment.paid_at is None or instalment.paid_at >= deadline):
                late[instalment.plan_id] += 1
        breaking = [plan for plan in plans if late[plan.pk] > settings.PLAN_LATE_INSTALMENTS_TOLERATED]
        broken = _plans_end(plans=breaking, to=PlanStatus.BROKEN, reason=BROKEN_REASON, at=at) if breaking else []
        moved = []
        if broken:
            moved = case_transition_many(case_ids=[p.case_id for p in broken], from_stages=(Stage.FOLLOW_UP,),
                                         to=Stage.CONTACT, actor=SYSTEM, reason=BROKEN_REASON, at=at)
            events_emit_bulk(events=[{
                "type": EventType.PLAN_BROKEN, "case_id": plan.case_id,
                "account_number": plan.case.account.account_number, "occurred_at": at,
                "payload": {"plan_id": plan.pk, "late_instalments": late[plan.pk], "paid": str(plan.paid_amount),
                            "total": str(plan.total), "currency": plan.currency}} for plan in broken])
        if moved:
            queue_tier_reevaluation(moved)
    return {"completed": len(completed), "broken": len(broken)}
