"""Reads about promises and plans for other capabilities: the governor, the queue, the case page."""

from django.db import connection

from repayment_plans.models import Promise, PromiseStatus


def cases_paused_by_agreement(*, case_ids: list[int]) -> dict[int, str]:
    """Case id → "plan" or "promise" for the cases a plan in good standing or a promise in force pauses.

    One query for any number of cases (ids travel as one array parameter).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT case_id, 'promise' FROM repayment_plans_promise WHERE case_id = ANY(%s) "
                       "AND status = %s", [list(case_ids), PromiseStatus.PENDING])
        return dict(cursor.fetchall())


def case_promises(*, case) -> list[Promise]:
    return list(Promise.objects.filter(case=case).order_by("-taken_at", "-id"))


def case_pending_promise(*, case) -> Promise | None:
    return Promise.objects.filter(case=case, status=PromiseStatus.PENDING).first()
