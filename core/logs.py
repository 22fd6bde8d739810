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


DJANGO_REQUEST_LOGGERS = ("django.request", "django.security", "django.server")


class PathsOutOfLogs(logging.Filter):
    """Django's own request loggers (django.request, django.security) name the path, and attach the request:
    a path can carry a national id or a phone number. The line keeps the reason and names the route
    instead, and takes the request id from the request it was about, since it is written after the
    request's own line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        # Another handler's copy of this filter may have been through this record already.
        if request is None or isinstance(request, str) or not record.name.startswith(DJANGO_REQUEST_LOGGERS):
            return True
        from core.middleware import route_name

        route = route_name(request)
        if isinstance(record.args, tuple) and len(record.args) == 2 and record.msg == "%s: %s":
            record.args = (record.args[0], route)
        elif len(getattr(request, "path", "")) > 1 and isinstance(record.args, tuple):
            record.msg, record.args = record.getMessage().replace(request.path, route), ()
        if getattr(record, "request_id", None) is None:
            record.request_id = getattr(request, "request_id", None)
        record.request = route
        return True
