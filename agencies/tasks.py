from celery import shared_task
from django.db import OperationalError

from agencies.figures import agency_totals_refresh, in_house_totals_refresh
from agencies.services import placements_expire
from agencies.warnings import complaints_warning_email, complaints_warnings_raise


@shared_task(name="agencies.expire_placements", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def expire_placements() -> int:
    """The scheduled end of placements past their period. Safe to run twice or in parallel."""
    return placements_expire()


@shared_task(name="agencies.raise_complaints_warnings", autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=5)
def raise_complaints_warnings() -> int:
    """The hourly check of agencies' complaints per 1,000 contacts. Idempotent by agency and month."""
    return len(complaints_warnings_raise())


@shared_task(name="agencies.email_complaints_warning", autoretry_for=(OperationalError, OSError),
             retry_backoff=True, max_retries=5)
def email_complaints_warning(warning_id: int) -> int:
    """Email the managers about one warning; a second run sends nothing."""
    return complaints_warning_email(warning_id=warning_id)


@shared_task(name="agencies.refresh_in_house_totals", autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=3)
def refresh_in_house_totals() -> int:
    """The hourly refresh of the in-house figures the agencies dashboard compares against."""
    return in_house_totals_refresh()


@shared_task(name="agencies.refresh_agency_totals", autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=3)
def refresh_agency_totals() -> int:
    """The refresh, every 15 minutes, of the per-agency figures the agencies dashboard reads. Replaces them
    whole, so running it twice or in parallel leaves the same totals."""
    return agency_totals_refresh()
