"""The senders' wiring on a real Celery worker on Redis: send_due queues, deliver sends."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from cases.lifecycle import Stage
from contacts.models import Channel, ContactStatus, ScheduledContact
from contacts.tasks import send_due
from tests.factories import CaseFactory
from tests.workers import run_on_worker, wait_for

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db(transaction=True)
def test_due_contacts_are_delivered_by_a_real_worker(settings, tmp_path, worker):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "outbox.jsonl"
    # Ten in the morning in the cardholder's zone, inside contact hours whatever the hour this test runs at;
    # the clock keeps ticking for the worker's threads.
    morning = dt.datetime.combine(timezone.now().astimezone(SHANGHAI).date(), dt.time(10), tzinfo=SHANGHAI)
    with time_machine.travel(morning, tick=True):
        case = CaseFactory(stage=Stage.CONTACT)
        sms = ScheduledContact.objects.create(case=case, channel=Channel.SMS, idempotency_key="worker-sms",
                                              due_at=timezone.now() - dt.timedelta(minutes=1))
        assert run_on_worker(send_due) == 1
        assert wait_for(lambda: ScheduledContact.objects.get(pk=sms.pk).status == ContactStatus.SENT, seconds=30)
    [line] = (tmp_path / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["reference"] == "worker-sms"
