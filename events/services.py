import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from core.bulk import bulk_insert
from events.models import Event, EventType

# A transaction takes this lock (held until it ends) just before it writes its first event, so
# event writers take ids and commit one after another. Ids then become visible in increasing order, and a
# reader paging with `after=` never passes an id that a slower transaction commits later.
EVENT_WRITER_LOCK = 0x4356_4556  # "CVEV"


def _serialize_event_writers() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events are written in the transaction of the change they report")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_WRITER_LOCK])


def event_emit(*, type: str, case, payload: dict | None = None, at: dt.datetime | None = None) -> Event:  # noqa: A002
    """Append an event for `case` to the outbox. Must run inside the transaction of the change it reports."""
    if type not in EventType.values:
        raise ValueError(f"unknown event type {type!r}")
    _serialize_event_writers()
    return Event.objects.create(type=type, case=case, account_number=case.account.account_number,
                                payload=payload or {}, occurred_at=at or timezone.now())


def events_emit_bulk(*, events: list[dict]) -> None:
    """Append many events in one insert, under the same rules as `event_emit`.

    Each event is a dict of type, case_id, account_number, payload and occurred_at. Call it as late as
    possible in the transaction: other event writers wait from here until the commit.
    """
    if not events:
        return
    unknown = {event["type"] for event in events} - set(EventType.values)
    if unknown:
        raise ValueError(f"unknown event types {sorted(unknown)}")
    _serialize_event_writers()
    bulk_insert(model=Event, rows=events)
