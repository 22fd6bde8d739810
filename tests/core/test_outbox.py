import uuid
from unittest import mock

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerDown

from core.models import Heartbeat, OutboxTask
from core.outbox import outbox_publish, outbox_relay, task_enqueue
from core.tasks import heartbeat
from tests.workers import wait_for


@pytest.mark.django_db
def test_a_rolled_back_transaction_takes_its_queued_task_with_it():
    with transaction.atomic():
        task_enqueue(task=heartbeat, kwargs={"name": "never"})
        transaction.set_rollback(True)
    assert not OutboxTask.objects.exists()


@pytest.mark.django_db
def test_a_second_enqueue_with_the_same_key_adds_nothing():
    with transaction.atomic():
        assert task_enqueue(task=heartbeat, kwargs={"name": "a"}, key="once") is not None
        assert task_enqueue(task=heartbeat, kwargs={"name": "a"}, key="once") is None
    assert OutboxTask.objects.filter(key="once").count() == 1


@pytest.mark.django_db
def test_the_relay_publishes_pending_tasks_in_order_and_marks_them_sent():
    rows = [OutboxTask.objects.create(task="core.heartbeat", kwargs={"name": f"n{i}"}) for i in range(3)]
    with mock.patch("core.outbox._publish") as publish:
        assert outbox_relay() == 3
        assert outbox_relay() == 0
    assert [call.args[0].pk for call in publish.call_args_list] == [row.pk for row in rows]
    assert not OutboxTask.objects.filter(sent_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_broker_outage_leaves_the_task_and_those_after_it_pending_until_the_broker_returns():
    first, second = (OutboxTask.objects.create(task="core.heartbeat", kwargs={"name": n}) for n in ("a", "b"))
    with mock.patch("core.outbox._publish", side_effect=BrokerDown("Connection refused")) as publish:
        assert outbox_publish() == 0
    assert publish.call_count == 1
    first.refresh_from_db()
    assert first.sent_at is None and first.attempts == 1 and "refused" in first.last_error

    with mock.patch("core.outbox._publish") as publish:
        assert outbox_publish() == 2
    assert [call.args[0].pk for call in publish.call_args_list] == [first.pk, second.pk]


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_through_the_outbox_runs_on_a_real_worker_after_commit(worker):
    name = f"outbox-test-{uuid.uuid4()}"
    with transaction.atomic():
        task_enqueue(task=heartbeat, kwargs={"name": name})
        assert OutboxTask.objects.get(kwargs__name=name).sent_at is None

    assert wait_for(lambda: Heartbeat.objects.filter(name=name).exists(), seconds=30)
    assert OutboxTask.objects.get(kwargs__name=name).sent_at is not None


@pytest.mark.django_db
def test_beat_relays_the_outbox_every_five_seconds():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="core.relay_outbox")
    assert (task.enabled, task.interval.every, task.interval.period) == (True, 5, "seconds")


@pytest.mark.django_db
def test_the_relay_command_publishes_what_is_pending():
    from io import StringIO

    from django.core.management import call_command

    OutboxTask.objects.create(task="core.heartbeat", kwargs={"name": "cmd"})
    out = StringIO()
    with mock.patch("core.outbox._publish"):
        call_command("relay_outbox", stdout=out)
    assert "sent 1, pending 0" in out.getvalue()


@pytest.mark.django_db
def test_after_a_failed_publish_commits_leave_their_tasks_to_the_relay_instead_of_waiting_on_the_broker(
        django_capture_on_commit_callbacks):
    with mock.patch("core.outbox._publish", side_effect=BrokerDown("Connection refused")) as publish:
        for name in ("first", "second"):
            with django_capture_on_commit_callbacks(execute=True):
                task_enqueue(task=heartbeat, kwargs={"name": name})
    assert publish.call_count == 1
    assert OutboxTask.objects.filter(sent_at__isnull=True).count() == 2
