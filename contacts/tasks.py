from celery import shared_task
from django.db import OperationalError, transaction

from contacts.delivery import contact_deliver, contacts_due_for_delivery


@shared_task(name="contacts.send_due")
def send_due() -> int:
    """Queue delivery of the automated contacts now due. Runs every minute (django-celery-beat)."""
    ids = contacts_due_for_delivery()
    for contact_id in ids:
        transaction.on_commit(lambda pk=contact_id: deliver.delay(pk))
    return len(ids)


@shared_task(name="contacts.deliver", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def deliver(contact_id: int) -> str:
    return contact_deliver(contact_id=contact_id)
