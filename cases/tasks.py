from celery import shared_task
from django.db import OperationalError

from cases import retention
from cases.holds import holds_release_ended


@shared_task(name="cases.release_ended_holds", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def release_ended_holds() -> int:
    """The scheduled release of holds past their end date. Safe to run twice or in parallel."""
    return holds_release_ended()


@shared_task(name="cases.anonymise_past_retention", autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def anonymise_past_retention() -> int:
    """The daily anonymisation of cardholders past retention. Safe to run twice or in parallel."""
    return len(retention.anonymise_past_retention().anonymised)
