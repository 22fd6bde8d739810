import logging

from celery import shared_task
from django.db import OperationalError

from escalation.services import PassNeedsPostgres, escalation_chunk_finish, escalation_pass_start

logger = logging.getLogger(__name__)


@shared_task(name="escalation.pass")
def escalation_pass() -> int | None:
    """The periodic pass: record it and queue its chunks. Returns the run id."""
    try:
        return escalation_pass_start().pk
    except PassNeedsPostgres as exc:
        # The embedded SQLite default of `make run` has no escalation pass; say so rather than fail each time.
        logger.warning("%s", exc)
        return None


@shared_task(name="escalation.chunk", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def escalation_chunk(chunk_id: int) -> bool:
    return escalation_chunk_finish(chunk_id=chunk_id)
