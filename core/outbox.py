"""The task outbox: Celery tasks that survive a broker outage.

`task_enqueue` writes a row in the caller's transaction and tries to publish it once that transaction
commits. When the broker is unreachable the row stays pending, and the relay (`core.relay_outbox`, every
few seconds from beat, or `manage.py relay_outbox`) publishes it once the broker is back.
"""

import datetime as dt
import logging
import time

from celery import Task
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import OutboxTask

logger = logging.getLogger(__name__)

# Sent rows are kept this long for inspection, then pruned by the relay.
KEEP_SENT = dt.timedelta(days=7)
# A publish to a dead Redis takes seconds (the client's own retries). After one fails, commits in this
# process skip their immediate publish for this long and leave the rows to the relay.
BROKER_BACKOFF_SECONDS = 5.0
_broker_down_until = 0.0


def task_enqueue(*, task: Task | str, kwargs: dict | None = None, key: str | None = None) -> OutboxTask | None:
    """Record `task(**kwargs)` for publication after the current transaction commits.

    With `key`, a second enqueue of the same key is a no-op and returns None. Rolling back the caller's
    transaction drops the task with the work that asked for it.
    """
    name = task if isinstance(task, str) else task.name
    try:
        with transaction.atomic():
            row = OutboxTask.objects.create(task=name, kwargs=kwargs or {}, key=key)
    except IntegrityError:
        if key is None or not OutboxTask.objects.filter(key=key).exists():
            raise
        return None
    transaction.on_commit(lambda pk=row.pk: _publish_after_commit(pk))
    return row


def _publish_after_commit(pk: int) -> None:
    if time.monotonic() < _broker_down_until:
        return
    outbox_publish(ids=[pk])


def _publish(row: OutboxTask) -> None:
    from celery import current_app as app

    # retry=False: a request must not hang on a dead broker; the relay tries again later.
    app.send_task(row.task, kwargs=row.kwargs, retry=False)


def outbox_publish(*, ids: list[int] | None = None, limit: int = 500) -> int:
    """Publish pending rows in id order; returns how many were sent.

    Rows are claimed with SKIP LOCKED, so two relays (or beat started twice) never publish the same row
    together, and marked sent with a compare-and-swap. The first broker error stops the batch, leaving
    that row and the later ones pending and in order.
    """
    sent = 0
    with transaction.atomic():
        pending = OutboxTask.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True)
        if ids is not None:
            pending = pending.filter(pk__in=ids)
        for row in pending.order_by("id")[:limit]:
            try:
                _publish(row)
            except Exception as exc:  # any broker failure: keep the row for the next relay
                global _broker_down_until
                _broker_down_until = time.monotonic() + BROKER_BACKOFF_SECONDS
                logger.warning("outbox: task %s #%s not published: %s", row.task, row.pk, exc)
                OutboxTask.objects.filter(pk=row.pk).update(attempts=row.attempts + 1, last_error=str(exc)[:1000])
                break
            sent += OutboxTask.objects.filter(pk=row.pk, sent_at__isnull=True).update(
                sent_at=timezone.now(), attempts=row.attempts + 1, last_error="")
    return sent


def outbox_relay(*, limit: int = 500) -> int:
    """Publish everything pending, batch after batch, then prune old sent rows. Returns how many were sent."""
    total = 0
    while True:
        sent = outbox_publish(limit=limit)
        total += sent
        if sent < limit:
            break
    OutboxTask.objects.filter(sent_at__lt=timezone.now() - KEEP_SENT).delete()
    return total


def outbox_pending_count() -> int:
    return OutboxTask.objects.filter(sent_at__isnull=True).count()
