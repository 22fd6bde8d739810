
from celery import shared_task
from django.db import OperationalError

from escalation.estate import estate_letters_schedule
from escalation.measures import measures_request_due
from escalation.services import cases_tier_reevaluate, escalation_chunk_finish, escalation_pass_start


@shared_task(name="escalation.pass")
def escalation_pass() -> int:
    """The periodic pass: record it and queue its chunks. Returns the run id."""
    return escalation_pass_start().pk


@shared_task(name="escalation.chunk", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def escalation_chunk(chunk_id: int) -> bool:
    return escalation_chunk_finish(chunk_id=chunk_id)


@shared_task(name="escalation.reevaluate_tier", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def cases_reevaluate_tier(case_ids: list[int]) -> int:
    """Place cases back in their contact tier (after a broken promise or plan) without waiting for the pass."""
    return cases_tier_reevaluate(case_ids=case_ids)


@shared_task(name="escalation.estate_letters", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def estate_letters() -> int:
    """Plan the letters to the estates of cardholders whose death was recorded (escalation.estate)."""
    return estate_letters_schedule()


@shared_task(name="escalation.request_measures", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def request_measures() -> int:
    """Ask for card measures on the cases past their jurisdiction's DPD threshold. Safe to run twice or in parallel."""
    return measures_request_due()
