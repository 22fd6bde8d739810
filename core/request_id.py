"""The request id: made (or taken from the proxy) for each web request, stamped on every log line written
while it is served, and carried in a header into the Celery tasks it queues, whose log lines carry it too.
One search for the id then finds the request and everything it set off.
"""

import logging
import re
import uuid
from contextvars import ContextVar

from celery import signals

HEADER = "request_id"
# A proxy's own id is kept when it looks like one; anything else (too long, odd characters) is replaced.
WELL_FORMED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id_new(incoming: str | None = None) -> str:
    if incoming and WELL_FORMED.match(incoming):
        return incoming
    return uuid.uuid4().hex


def request_id_get() -> str | None:
    return _current.get()


def request_id_set(value: str | None):
    """Set the id for this thread or task; returns the token that `request_id_reset` takes."""
    return _current.set(value)


def request_id_reset(token) -> None:
    _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record: the one being served, or None outside a request or task."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = _current.get()
        return True


@signals.before_task_publish.connect(dispatch_uid="core.request_id.publish")
def _request_id_into_headers(headers=None, **_kwargs) -> None:
    value = _current.get()
    if value is not None and headers is not None:
        headers.setdefault(HEADER, value)


@signals.task_prerun.connect(dispatch_uid="core.request_id.prerun")
def _request_id_from_headers(task=None, **_kwargs) -> None:
    # Set for every task, None when its publisher had no request: a pool thread must not keep the
    # previous task's id. The id stays set until the next task starts, so Celery's own "succeeded"
    # line, written after the task returns, carries it too.
    _current.set(getattr(task.request, HEADER, None) if task is not None else None)
