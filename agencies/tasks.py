from celery import shared_task
from django.db import OperationalError

from agencies.services import placements_expire


@shared_task(name="agencies.expire_placements", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def expire_placements() -> int:
    """The scheduled end of placements past their period. Safe to run twice or in parallel."""
    return placements_expire()
