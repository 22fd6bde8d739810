"""The senders' wiring on a real Celery worker on Redis: send_due queues, deliver sends."""

import datetime as dt
import json
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from cases.lifecycle import Stage
from collections_portal.celery import app as celery_app
from contacts.models import Channel, ContactStatus, ScheduledContact
from contacts.tasks import send_due
from tests.factories import CaseFactory


@pytest.mark.django_db(transaction=True)
def test_due_contacts_are_delivered_by_a_real_worker(settings, tmp_path, monkeypatch):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "outbox.jsonl"
    # Always inside contact hours, whatever the hour this test runs at.
    monkeypatch.setattr("contacts.governor.TIMED_CHANNELS", frozenset())
    case = CaseFactory(stage=Stage.CONTACT)
    sms = ScheduledContact.objects.create(case=case, channel=Channel.SMS, idempotency_key="worker-sms",
                                          due_at=timezone.now() - dt.timedelta(minutes=1))
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert send_due.delay() is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and ScheduledContact.objects.get(pk=sms.pk).status != ContactStatus.SENT:
            time.sleep(0.2)
    assert ScheduledContact.objects.get(pk=sms.pk).status == ContactStatus.SENT
    [line] = (tmp_path / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["reference"] == "worker-sms"
