import datetime as dt

from celery import shared_task
from django.db import OperationalError

from dashboards.policy_preview import policy_preview_finish
from dashboards.self_service import self_service_totals_refresh
from dashboards.services import open_totals_refresh, snapshot_take


@shared_task(name="dashboards.snapshot", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def daily_snapshot(day: str | None = None) -> int:
    """The scheduled daily snapshot; `day` (ISO date) lets an operator write a missed day again."""
    return snapshot_take(day=dt.date.fromisoformat(day) if day else None)


@shared_task(name="dashboards.refresh_open_totals", autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=3)
def refresh_open_totals() -> int:
    """Every few minutes: the live portfolio's totals, from the open cases as they stand."""
    return open_totals_refresh()


@shared_task(name="dashboards.refresh_self_service_totals", autoretry_for=(OperationalError,), retry_backoff=True,
             max_retries=3)
def refresh_self_service_totals() -> int:
    """Every few minutes: the self-service funnel's days that may have changed since the last count."""
    return self_service_totals_refresh()


@shared_task(name="dashboards.policy_preview", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def policy_preview(preview_id: int) -> bool:
    """A supervisor's policy preview: both dry runs of tomorrow's pass, stored for the page to show."""
    return policy_preview_finish(preview_id=preview_id)
