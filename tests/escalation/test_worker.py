"""The pass on a real Celery worker on Redis: to the end, twice at once, and stopped halfway then rerun; and
chunks at once that share a cardholder."""

import datetime as dt
import threading

import psycopg2
import pytest
from django.db import connection, transaction
from kombu.exceptions import OperationalError as BrokerDown

from collections_portal.celery import app as celery_app
from contacts.models import Channel, ContactStatus, ScheduledContact
from core.models import OutboxTask
from core.outbox import outbox_relay
from escalation.models import EscalationChunk
from escalation.services import (
    escalation_chunk_finish,
    escalation_chunk_run,
    escalation_pass_run,
    escalation_pass_start,
)
from escalation.tasks import escalation_chunk
from tests.escalation.helpers import AS_OF, case_at_dpd
from tests.factories import CustomerFactory
from tests.workers import wait_for

DPDS = (1, 3, 16, 20, 31, 40, 61, 70, 91, 120) * 3


def contact_rows():
    return sorted(ScheduledContact.objects.values_list("case_id", "rule", "idempotency_key", "status", "due_at"))


def uninterrupted_contacts():
    """The contacts an uninterrupted pass makes, computed and then rolled back."""
    with transaction.atomic():
        escalation_pass_run(as_of=AS_OF, chunk_size=7)
        rows = contact_rows()
        transaction.set_rollback(True)
    return rows


def all_chunks_finished():
    return not EscalationChunk.objects.filter(finished_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_pass_runs_to_the_end_on_a_real_worker(worker):
    for dpd in DPDS:
        case_at_dpd(dpd)
    expected = uninterrupted_contacts()
    run = escalation_pass_start(as_of=AS_OF, chunk_size=7)
    assert run.chunks_total > 2
    assert wait_for(all_chunks_finished)
    assert contact_rows() == expected


@pytest.mark.django_db(transaction=True)
def test_two_passes_in_parallel_make_no_duplicates(worker):
    for dpd in DPDS:
        case_at_dpd(dpd)
    expected = uninterrupted_contacts()
    escalation_pass_start(as_of=AS_OF, chunk_size=7)
    escalation_pass_start(as_of=AS_OF, chunk_size=5)
    assert wait_for(all_chunks_finished)
    assert contact_rows() == expected


@pytest.mark.django_db(transaction=True)
def test_the_same_chunk_run_in_two_threads_at_once_schedules_each_contact_once():
    cases = [case_at_dpd(dpd) for dpd in DPDS]
    expected = uninterrupted_contacts()
    lo, hi = min(c.pk for c in cases), max(c.pk for c in cases) + 1
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            escalation_chunk_run(lo=lo, hi=hi, as_of=AS_OF)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert contact_rows() == expected


class WorkerKilled(BaseException):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_pass_stopped_halfway_and_rerun_ends_with_the_same_contacts(worker, monkeypatch):
    for dpd in DPDS:
        case_at_dpd(dpd)
    expected = uninterrupted_contacts()
    celery_app.control.purge()
    with monkeypatch.context() as patched:
        # Record the run without queueing it, then work half its chunks here; the next one dies midway,
        # after its contacts were inserted and before it finished.
        patched.setattr("core.outbox.outbox_publish", lambda **kwargs: 0)
        run = escalation_pass_start(as_of=AS_OF, chunk_size=7)
        chunks = list(run.chunks.order_by("id_from"))
        half = len(chunks) // 2
        for chunk in chunks[:half]:
            escalation_chunk_finish(chunk_id=chunk.pk)
        patched.setattr("escalation.services.case_transition_many", _die)
        with pytest.raises(WorkerKilled):
            escalation_chunk_finish(chunk_id=chunks[half].pk)
    assert 0 < len(contact_rows()) < len(expected)
    # The broker redelivers every unacknowledged chunk; finished ones are no-ops.
    for chunk in chunks:
        escalation_chunk.delay(chunk.pk)
    assert wait_for(all_chunks_finished)
    assert contact_rows() == expected


def _die(**kwargs):
    raise WorkerKilled


@pytest.mark.django_db(transaction=True)
def test_a_pass_started_while_the_broker_is_down_runs_once_the_relay_reaches_it(worker, monkeypatch):
    for dpd in DPDS:
        case_at_dpd(dpd)
    expected = uninterrupted_contacts()
    with monkeypatch.context() as patched:
        patched.setattr("core.outbox._publish", _broker_down)
        run = escalation_pass_start(as_of=AS_OF, chunk_size=7)
        assert outbox_relay() == 0
    assert OutboxTask.objects.filter(sent_at__isnull=True).count() == run.chunks.count()
    assert contact_rows() == []

    assert outbox_relay() == run.chunks.count()
    assert wait_for(all_chunks_finished)
    assert contact_rows() == expected


def _broker_down(row):
    raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.mark.django_db(transaction=True)
def test_a_cardholder_another_chunk_is_scheduling_is_left_to_it():
    customer = CustomerFactory()
    cases = [case_at_dpd(dpd, customer=customer) for dpd in (35, 40)]
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        with other.cursor() as cursor:  # another chunk, between locking the cardholder and committing
            cursor.execute("SELECT id FROM cases_customer WHERE id = %s FOR NO KEY UPDATE",
                           [cases[0].account.customer_id])
        summary = escalation_chunk_run(lo=cases[1].pk, hi=cases[1].pk + 1, as_of=AS_OF)
    finally:
        other.rollback()
        other.close()
    assert summary.carried == 1
    assert not ScheduledContact.objects.filter(channel=Channel.CALL, status=ContactStatus.SCHEDULED).exists()
    # The case looks again on the rule's next cadence day.
    tomorrow = escalation_chunk_run(lo=cases[1].pk, hi=cases[1].pk + 1, as_of=AS_OF + dt.timedelta(days=1))
    assert tomorrow.scheduled["call"] == 1
