import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker

from collections_portal.celery import app as celery_app
from core.models import Heartbeat
from core.tasks import heartbeat


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_runs_a_task_that_writes_to_the_database():
    assert celery_app.conf.broker_url.startswith("redis://")
    celery_app.control.purge()
    name = f"worker-test-{uuid.uuid4()}"

    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        heartbeat.delay(name)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not Heartbeat.objects.filter(name=name).exists():
            time.sleep(0.2)

    row = Heartbeat.objects.get(name=name)
    assert row.worker


@pytest.mark.django_db
def test_the_heartbeat_task_is_idempotent():
    heartbeat.run("twice")
    heartbeat.run("twice")
    assert Heartbeat.objects.filter(name="twice").count() == 1
