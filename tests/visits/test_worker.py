"""The periodic pickup of policy visit requests on a real Celery worker on Redis."""

import datetime as dt

import pytest

from cases.lifecycle import Stage
from contacts.models import Channel, ScheduledContact
from tests.factories import CaseFactory
from tests.workers import run_on_worker
from visits.models import Visit
from visits.tasks import visits_from_escalation_task


@pytest.mark.django_db(transaction=True)
def test_the_task_turns_policy_visits_into_requests_on_a_real_worker(worker):
    case = CaseFactory(stage=Stage.CONTACT, account__customer__address="上海市静安区 1 号")
    ScheduledContact.objects.create(case=case, channel=Channel.VISIT, due_at=dt.datetime.now(dt.UTC),
                                    idempotency_key="worker-visit", rule="T4.visit")
    first = visits_from_escalation_task.apply_async(ignore_result=False)
    second = visits_from_escalation_task.apply_async(ignore_result=False)  # overlapping runs add nothing twice
    assert sorted([first.get(timeout=60), second.get(timeout=60)]) == [0, 1]
    assert Visit.objects.get().case == case
    assert run_on_worker(visits_from_escalation_task) == 0
    assert Visit.objects.count() == 1
