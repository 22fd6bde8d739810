from django.utils import timezone

from core.models import Heartbeat


def heartbeat_record(*, name: str, worker: str) -> Heartbeat:
    """Upsert the named heartbeat with the current time. Safe to run twice or in parallel."""
    heartbeat, _ = Heartbeat.objects.update_or_create(
        name=name, defaults={"worker": worker, "seen_at": timezone.now()}
    )
    return heartbeat
