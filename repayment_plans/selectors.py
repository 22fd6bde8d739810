"""Reads about promises and plans for other capabilities: the governor, the queue, the case page."""

from django.db import connection

from repayment_plans.models import PlanStatus, Promise, PromiseStatus


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
