"""What negotiation adds to an agent's queue: promises falling due, and promises just broken."""

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from cases.lifecycle import Stage
from cases.queue import QueueReason, queue_reason_register
from repayment_plans.models import Promise, PromiseStatus

# How long a broken promise keeps a case under "broken promise" before it is ordinary contact work.
BROKEN_RECENTLY = dt.timedelta(days=7)


def _promise_due(end_of_day) -> Q:
    return Q(Exists(Promise.objects.filter(case=OuterRef("pk"), status=PromiseStatus.PENDING,
                                           due_date__lt=end_of_day.date())))


def _promise_broken(end_of_day) -> Q:
    return Q(stage=Stage.CONTACT) & Q(Exists(Promise.objects.filter(
        case=OuterRef("pk"), status__in=(PromiseStatus.BROKEN, PromiseStatus.PARTIALLY_KEPT),
        evaluated_at__gte=end_of_day - BROKEN_RECENTLY - dt.timedelta(days=1))))


def register() -> None:
    queue_reason_register(QueueReason(code="promise_due", label=_("Promise due"), rank=30, condition=_promise_due,
                                      contact=False))
    queue_reason_register(QueueReason(code="broken_promise", label=_("Broken promise"), rank=40,
                                      condition=_promise_broken))
