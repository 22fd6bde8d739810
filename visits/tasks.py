from celery import shared_task
from django.db import OperationalError

from visits.services import visits_from_escalation


@shared_task(name="visits.from_escalation", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def visits_from_escalation_task() -> int:
    """The periodic pickup of the contact policy's visit requests; idempotent, so safe to overlap."""
    return visits_from_escalation()
