"""A real Celery worker on the test Redis, and a way to wait for what it does."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from collections_portal.celery import app as celery_app


def wait_for(condition, seconds=60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def worker():
    assert celery_app.conf.broker_url.startswith("redis://")
    celery_app.control.purge()
    with start_worker(celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=20):
        yield
