"""The periodic pickup of policy visit requests on a real Celery worker on Redis."""

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker

from cases.lifecycle import Stage
from collections_portal.celery import app as celery_app
from contacts.models import Channel, ScheduledContact
from tests.factories import CaseFactory
from visits.models import Visit
from visits.tasks import visits_from_escalation_task


@pytest.mark.django_db(transaction=True)
def test_the_task_turns_policy_visits_into_requests_on_a_real_worker():
    assert celery_app.conf.broker_url.startswith("redis://")
    case = CaseFactory(stage=Stage.CONTACT, account__customer__address="上海市静安区 1 号")
    ScheduledContact.objects.create(case=case, channel=Channel.VISIT, due_at=dt.datetime.now(dt.UTC),
                                    idempotency_key="worker-visit", rule="T4.visit")
    celery_app.control.purge()
    with start_worker(celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=20):
        visits_from_escalation_task.delay()
        visits_from_escalation_task.delay()  # overlapping runs add nothing twice
        deadline = time.monotonic() + 60
        while not Visit.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)
    assert Visit.objects.get().case == case
