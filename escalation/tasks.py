
from celery import shared_task
from django.db import OperationalError

from escalation.services import escalation_chunk_finish, escalation_pass_start


@shared_task(name="escalation.pass")
def escalation_pass() -> int:
    """The periodic pass: record it and queue its chunks. Returns the run id."""
    return escalation_pass_start().pk


@shared_task(name="escalation.chunk", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def escalation_chunk(chunk_id: int) -> bool:
    return escalation_chunk_finish(chunk_id=chunk_id)
