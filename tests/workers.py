"""A real Celery worker on the test Redis, and ways to wait for what it does.

The test settings give each run its own queue and key prefix (TEST_RUN_ID), so the worker here takes
only this run's tasks, whatever Redis database the run is pointed at.
"""

import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from collections_portal.celery import app as celery_app


def wait_for(condition, seconds=60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def run_on_worker(task, *args, seconds=60, **kwargs):
    """Queue `task` and wait until the worker has run it; its return value (its exception re-raised)."""
    return task.apply_async(args, kwargs, ignore_result=False).get(timeout=seconds)


@pytest.fixture
def worker():
    assert celery_app.conf.broker_url.startswith("redis://")
    assert celery_app.conf.task_default_queue.startswith("test-")
    celery_app.control.purge()
    with start_worker(celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=20):
        yield
    # This run's keys (queue bindings, results) go with the worker, so runs leave nothing in Redis.
    client = redis.Redis.from_url(celery_app.conf.broker_url)
    prefix = celery_app.conf.broker_transport_options["global_keyprefix"]
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()
