from celery import shared_task
from django.db import OperationalError

from repayment_plans.promises import promises_evaluate
from repayment_plans.reminders import instalment_reminders_send
from repayment_plans.tracking import plans_check


@shared_task(name="repayment_plans.evaluate_promises", autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def evaluate_promises() -> dict:
    """The scheduled pass over promises whose grace period has run out. Safe to run twice or in parallel."""
    return {status: count for status, count in promises_evaluate().items()}


@shared_task(name="repayment_plans.check_plans", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def check_plans() -> dict:
    """The scheduled pass over active plans: allocate payments, complete and break plans. Idempotent."""
    return plans_check()


@shared_task(name="repayment_plans.send_instalment_reminders", autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def send_instalment_reminders() -> int:
    """Remind cardholders of instalments falling due soon; each instalment once, however often this runs."""
    return instalment_reminders_send()
