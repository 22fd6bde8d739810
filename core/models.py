from django.db import models


class Heartbeat(models.Model):
    """The last time a named heartbeat task ran, and on which worker.

    Beat sends the "beat" heartbeat every minute, so its age tells whether beat and a worker are alive.
    """

    name = models.CharField(max_length=100, unique=True)
    worker = models.CharField(max_length=255, blank=True)
    seen_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class OutboxTask(models.Model):
    """A Celery task written in the transaction of the work that needs it, published after commit.

    A task queued straight to the broker is lost when the broker is down at that moment; a row here is
    not. The relay publishes pending rows in id order and marks each sent; delivery is at least once,
    so every task queued this way must be idempotent.
    """

    task = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    # Optional: a second enqueue with the same key (a retry, a second beat) adds nothing.
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["id"], name="outbox_pending_idx", condition=models.Q(sent_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.task} #{self.pk} ({'sent' if self.sent_at else 'pending'})"
