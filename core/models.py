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
