"""The negotiation tasks on a real Celery worker on Redis: a promise broken by the scheduled task puts its
case back in its contact tier through the queued re-evaluation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.lifecycle import Stage
from cases.services import case_transition
from contacts.models import ScheduledContact
from core.actors import SYSTEM
from repayment_plans.models import Promise, PromiseStatus
from repayment_plans.promises import promise_take
from repayment_plans.tasks import evaluate_promises
from tests.factories import CaseFactory
from tests.workers import run_on_worker, wait_for


@pytest.mark.django_db(transaction=True)
def test_a_promise_broken_by_the_scheduled_task_puts_the_case_back_in_its_tier(worker, agent):
    taken = timezone.now() - dt.timedelta(days=20)
    case = CaseFactory(assigned_team=agent.profile.team, overdue_since=taken.date() - dt.timedelta(days=20))
    case = case_transition(case=case, to=Stage.CONTACT, actor=SYSTEM, reason="First contact.", at=taken)
    promise = promise_take(case=case, amount=Decimal("100.00"), due_date=taken.date() + dt.timedelta(days=2),
                           channel="call", actor=agent, at=taken)
    assert not ScheduledContact.objects.filter(case=case).exists()

    assert run_on_worker(evaluate_promises) == {"kept": 0, "partially_kept": 0, "broken": 1}
    assert Promise.objects.get(pk=promise.pk).status == PromiseStatus.BROKEN
    case.refresh_from_db()
    assert case.stage == Stage.CONTACT
    # The re-evaluation is queued once the pass commits, as a task of its own.
    assert wait_for(lambda: ScheduledContact.objects.filter(case=case).exists())
    contacts = list(ScheduledContact.objects.filter(case=case).values_list("pk", "status"))

    # Again, once the worker has run it to the end: nothing left to evaluate, nothing changes.
    assert run_on_worker(evaluate_promises) == {"kept": 0, "partially_kept": 0, "broken": 0}
    assert Promise.objects.get(pk=promise.pk).status == PromiseStatus.BROKEN
    assert list(ScheduledContact.objects.filter(case=case).values_list("pk", "status")) == contacts
