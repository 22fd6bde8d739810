"""Reads about promises and plans for other capabilities: the governor, the queue, the case page."""

from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from cases.lifecycle import Outcome, Stage
from cases.selectors import cases_visible_to
from repayment_plans.models import PlanStatus, Promise, PromiseStatus, RepaymentPlan, WriteOff, WriteOffStatus


def plan_interest_rate(*, account) -> Decimal:
    """The annual rate (%) at which interest and fees accrue during a plan on `account`: the core system's
    figure when its snapshot sends one, otherwise the bank's default (settings.PLAN_INTEREST_RATE)."""
    return account.plan_interest_rate if account.plan_interest_rate is not None else settings.PLAN_INTEREST_RATE


def cases_paused_by_agreement(*, case_ids: list[int]) -> dict[int, str]:
    """Case id → "plan" or "promise" for the cases a plan in good standing or a promise in force pauses.

    One query for any number of cases (ids travel as one array parameter).
    """
    with connection.cursor() as cursor:
        # A plan sorts after a promise, so it names the pause when a case has both.
        cursor.execute("SELECT case_id, 'promise' FROM repayment_plans_promise WHERE case_id = ANY(%s) "
                       "AND status = %s UNION ALL "
                       "SELECT case_id, 'plan' FROM repayment_plans_repaymentplan WHERE case_id = ANY(%s) "
                       "AND status = %s ORDER BY 2 DESC",
                       [list(case_ids), PromiseStatus.PENDING, list(case_ids), PlanStatus.ACTIVE])
        return dict(cursor.fetchall())


def case_promises(*, case) -> list[Promise]:
    return list(Promise.objects.filter(case=case).order_by("-taken_at", "-id"))


def case_pending_promise(*, case) -> Promise | None:
    return Promise.objects.filter(case=case, status=PromiseStatus.PENDING).first()


def case_plans(*, case) -> list[RepaymentPlan]:
    return list(RepaymentPlan.objects.filter(case=case).select_related("decided_by", "income_statement")
                .prefetch_related("instalments").order_by("-proposed_at", "-id"))


def plans_awaiting_approval(*, user) -> list[RepaymentPlan]:
    """Plans awaiting approval on cases `user` may see that `user` may approve (never their own), oldest first."""
    from repayment_plans.plans import plan_may_approve

    pending = (RepaymentPlan.objects.filter(status=PlanStatus.PENDING_APPROVAL,
                                            case__in=cases_visible_to(user=user))
               .exclude(proposed_by=user).select_related("case__account__customer", "income_statement")
               .prefetch_related("instalments").order_by("proposed_at", "id"))
    return [plan for plan in pending if plan_may_approve(plan=plan, user=user)]


def case_agreement_pauses() -> Q:
    """A case (`OuterRef("pk")`) with a promise pending or a plan approved or active: the policy's calls and
    visits stop, and the queue and the visits board leave it alone (`cases.contact_stops`)."""
    return (Q(Exists(Promise.objects.filter(case=OuterRef("pk"), status=PromiseStatus.PENDING)))
            | Q(Exists(RepaymentPlan.objects.filter(case=OuterRef("pk"),
                                                    status__in=(PlanStatus.APPROVED, PlanStatus.ACTIVE)))))


def case_write_offs(*, case) -> list[WriteOff]:
    """Every write-off proposed for `case`, newest first."""
    return list(WriteOff.objects.filter(case=case).order_by("-proposed_at", "-id"))


def case_written_off(*, case) -> WriteOff | None:
    """What `case` was written off for, by part (principal, interest, fees, penalty, total, currency), while
    it stands closed as written off; None otherwise (never written off, or reopened since)."""
    if case.outcome != Outcome.WRITTEN_OFF:
        return None
    return WriteOff.objects.filter(case=case, status=WriteOffStatus.APPROVED).order_by("-decided_at", "-id").first()


def write_offs_awaiting_approval(*, user) -> list[WriteOff]:
    """Write-offs awaiting approval on open cases `user` may see that `user` may approve (never their own),
    oldest first."""
    from repayment_plans.write_offs import write_off_may_approve

    pending = (WriteOff.objects.filter(status=WriteOffStatus.PENDING_APPROVAL, case__in=cases_visible_to(user=user))
               .exclude(case__stage=Stage.CLOSED).exclude(proposed_by=user)
               .select_related("case__account__customer").order_by("proposed_at", "id"))
    return [write_off for write_off in pending if write_off_may_approve(write_off=write_off, user=user)]
