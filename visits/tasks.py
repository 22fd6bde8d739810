from celery import shared_task
from django.db import OperationalError

from visits.services import visits_from_escalation, visits_withdraw_out_of_collections


@shared_task(name="visits.from_escalation", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def visits_from_escalation_task() -> int:
    """The periodic pickup of the contact policy's visit requests, and the withdrawal of visits whose case
    left collections. Both are idempotent, so runs may overlap. Returns the number of new requests."""
    visits_withdraw_out_of_collections()
    return visits_from_escalation()
