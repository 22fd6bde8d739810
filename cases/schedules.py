"""Default schedules of the cases app, installed into django-celery-beat by a migration."""

HOLD_SCHEDULES = [
    # (name, task, every N seconds, kwargs). Holds end at the cardholder's midnight, in any time zone.
    ("Release holds past their end date", "cases.release_ended_holds", 60 * 60, {}),
]

RETENTION_SCHEDULES = [
    # Once a day: a cardholder passes retention on a date, never within the hour.
    ("Anonymise cardholders past retention", "cases.anonymise_past_retention", 24 * 60 * 60, {}),
]
