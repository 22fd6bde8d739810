import datetime as dt

from django.db import transaction
from django.utils import timezone

from events.models import Event, EventType


def event_emit(*, type: str, case, payload: dict | None = None, at: dt.datetime | None = None) -> Event:  # noqa: A002
    """Append an event for `case` to the outbox. Must run inside the transaction of the change it reports."""
    if type not in EventType.values:
        raise ValueError(f"unknown event type {type!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events are written in the transaction of the change they report")
    return Event.objects.create(type=type, case=case, account_number=case.account.account_number,
                                payload=payload or {}, occurred_at=at or timezone.now())
