"""The negotiation tasks on a real Celery worker on Redis: a promise broken by the scheduled task puts its
case back in its contact tier through the queued re-evaluation."""

import datetime as dt
import time
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
from tests.workers import wait_for


@pytest.mark.django_db(transaction=True)
def test_a_promise_broken_by_the_scheduled_task_puts_the_case_back_in_its_tier(worker, agent):
    taken = timezone.now() - dt.timedelta(days=20)
    case = CaseFactory(assigned_team=agent.profile.team, overdue_since=taken.date() - dt.timedelta(days=20))
    case = case_transition(case=case, to=Stage.CONTACT, actor=SYSTEM, reason="First contact.", at=taken)
    promise = promise_take(case=case, amount=Decimal("100.00"), due_date=taken.date() + dt.timedelta(days=2),
                           channel="call", actor=agent, at=taken)
    assert not ScheduledContact.objects.filter(case=case).exists()

    evaluate_promises.delay()
    assert wait_for(lambda: Promise.objects.get(pk=promise.pk).status == PromiseStatus.BROKEN)
    case.refresh_from_db()
    assert case.stage == Stage.CONTACT
    assert wait_for(lambda: ScheduledContact.objects.filter(case=case).exists())
    evaluate_promises.delay()  # again: nothing left to evaluate, nothing changes
    time.sleep(1)
    assert Promise.objects.get(pk=promise.pk).status == PromiseStatus.BROKEN
