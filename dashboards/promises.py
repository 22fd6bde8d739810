"""Promise-to-pay figures for the dashboards: THE seam to switch to the promise model.

Promises are recorded, for now, as contact attempts with result `promise`, which carry neither amount
nor date. Until `repayment_plans` stores promises, a promise counts as **kept** when any payment reaches
the case within `PROMISE_WINDOW` of the attempt, **broken** when that window has passed without one,
and **pending** otherwise. When the promise model lands, rewrite `promise_outcomes` to count its
kept/partially kept/broken statuses; its callers take only the returned counts.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from cases.models import Case, Payment
from contacts.models import AttemptResult, ContactAttempt

# A promise is usually for a date within the week, and DOMAIN.md gives 3 days' grace after it.
PROMISE_WINDOW = dt.timedelta(days=10)


@dataclass(frozen=True)
class PromiseOutcomes:
    taken: int
    kept: int
    broken: int
    pending: int


def promise_paid() -> Exists:
    """True for a promise attempt when a payment reached its case within the window."""
    return Exists(Payment.objects.filter(case_id=OuterRef("case_id"), paid_at__gte=OuterRef("at"),
                                         paid_at__lt=OuterRef("at") + PROMISE_WINDOW))


def promise_outcomes(*, cases: QuerySet[Case], start: dt.datetime, end: dt.datetime, now: dt.datetime,
                     attempts: QuerySet[ContactAttempt] | None = None,
                     settled: dict | None = None) -> PromiseOutcomes:
    """Promises taken on `cases` in [start, end), and how many were kept, broken or are still pending.

    `attempts` narrows the attempts read (the ones newer than the settled totals) and `settled` adds
    the settled totals' `promises` and `promises_kept`, whose promises are all kept or broken."""
    attempts = ContactAttempt.objects.all() if attempts is None else attempts
    counts = (attempts
              .filter(case__in=cases, result=AttemptResult.PROMISE, at__gte=start, at__lt=end)
              .annotate(paid=promise_paid())
              .aggregate(taken=Count("id"), kept=Count("id", filter=Q(paid=True)),
                         broken=Count("id", filter=Q(paid=False, at__lte=now - PROMISE_WINDOW))))
    settled = settled or {}
    taken = counts["taken"] + (settled.get("promises") or 0)
    kept = counts["kept"] + (settled.get("promises_kept") or 0)
    broken = counts["broken"] + (settled.get("promises") or 0) - (settled.get("promises_kept") or 0)
    return PromiseOutcomes(taken=taken, kept=kept, broken=broken, pending=taken - kept - broken)
