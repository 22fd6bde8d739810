import uuid

import pytest

from core.models import Heartbeat
from core.tasks import heartbeat
from tests.workers import run_on_worker


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_runs_a_task_that_writes_to_the_database(worker):
    name = f"worker-test-{uuid.uuid4()}"
    run_on_worker(heartbeat, name)
    row = Heartbeat.objects.get(name=name)
    assert row.worker


@pytest.mark.django_db
def test_the_heartbeat_task_is_idempotent():
    heartbeat.run("twice")
    heartbeat.run("twice")
    assert Heartbeat.objects.filter(name="twice").count() == 1
