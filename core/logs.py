"""Log filters shared by every process."""

import logging

# What a periodic task returns when it found nothing to do.
IDLE_RESULTS = {"None", "0", "{}", "[]", "False", "()"}


class IdleTasksAtDebug(logging.Filter):
    """Celery's "task succeeded" line counts as DEBUG when the task found nothing to do.

    Beat runs the outbox relay every 5 seconds and other passes every minute; a line for each of those
    would bury the ones that did something. A task's return value says which it was.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != "celery.app.trace" or not isinstance(record.args, dict):
            return True
        if str(record.args.get("return_value")) not in IDLE_RESULTS:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)
