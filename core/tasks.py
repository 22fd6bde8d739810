import socket

from celery import shared_task

from core.services import heartbeat_record


@shared_task(name="core.heartbeat", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def heartbeat(name: str = "beat") -> None:
    heartbeat_record(name=name, worker=socket.gethostname())


@shared_task(name="core.relay_outbox")
def relay_outbox() -> int:
    """Publish the outbox's pending tasks (beat runs this every few seconds)."""
    from core.outbox import outbox_relay

    return outbox_relay()
