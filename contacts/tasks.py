from celery import shared_task
from django.db import OperationalError, transaction

from contacts.delivery import contact_deliver, contacts_due_for_delivery
from core.outbox import task_enqueue


@shared_task(name="contacts.send_due")
def send_due() -> int:
    """Queue delivery of the automated contacts now due. Runs every minute (django-celery-beat)."""
    # Through the outbox, so a broker outage delays deliveries rather than dropping them; a contact
    # queued twice (beat started twice) is delivered once, since contact_deliver locks and re-checks it.
    with transaction.atomic():
        ids = contacts_due_for_delivery()
        for contact_id in ids:
            task_enqueue(task=deliver, kwargs={"contact_id": contact_id})
    return len(ids)


@shared_task(name="contacts.deliver", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def deliver(contact_id: int) -> str:
    return contact_deliver(contact_id=contact_id)
