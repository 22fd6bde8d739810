"""Default schedules of the cases app, installed into django-celery-beat by a migration."""

HOLD_SCHEDULES = [
    # (name, task, every N seconds, kwargs). Holds end at the cardholder's midnight, in any time zone.
    ("Release holds past their end date", "cases.release_ended_holds", 60 * 60, {}),
]
