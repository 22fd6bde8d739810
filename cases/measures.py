"""Card measures: blocking the card or reporting to the credit bureau is the core system's act; the portal asks.

It asks once per case and reason (the unique MeasureRequest row decides): on entering legal and on a
write-off, from the transition service whoever moves the case, and by days past due from the escalation
app's hourly task (`escalation.measures`). The core system chooses the measure.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from cases.lifecycle import Outcome, Stage
from cases.models import MeasureReason, MeasureRequest
from core.bulk import bulk_insert
from events.models import EventType
from events.services import events_emit_bulk


def measure_reason(to: str, outcome: str | None) -> str | None:
    """Why a move asks for card measures: entering legal, or closing as written off; None otherwise."""
    if to == Stage.LEGAL:
        return MeasureReason.LEGAL
    if to == Stage.CLOSED and outcome == Outcome.WRITTEN_OFF:
        return MeasureReason.WRITTEN_OFF
    return None


def measure_rows(*, rows: list[tuple[int, str]], reason: str, at: dt.datetime,
                 payload: dict | None = None) -> list[dict]:
    """Record the requests of (case id, account number) not yet made for `reason`; the events to emit."""
    numbers = dict(rows)
    if not numbers:
        return []
    new = bulk_insert(model=MeasureRequest, rows=[{"case_id": pk, "reason": reason, "requested_at": at}
                                                  for pk in sorted(numbers)],
                      conflict=["case", "reason"], returning=["case"])
    return [{"type": EventType.ACCOUNT_MEASURE_REQUESTED, "case_id": pk, "account_number": numbers[pk],
             "occurred_at": at, "payload": {"reason": reason, **(payload or {}).get(pk, {})}} for (pk,) in new]


@transaction.atomic
def cases_measure_request(*, rows: list[tuple[int, str]], reason: str, at: dt.datetime | None = None,
                          payload: dict[int, dict] | None = None) -> list[int]:
    """Ask the core system for card measures on (case id, account number) `rows`, once per case and reason.

    Emits account.measure_requested for the cases not asked before for `reason` (with `payload[case id]`
    added to the event) and returns their ids; the others are left, so a pass may run twice.
    """
    events = measure_rows(rows=rows, reason=reason, at=at or timezone.now(), payload=payload)
    events_emit_bulk(events=events)
    return sorted(event["case_id"] for event in events)
