"""Default schedules of the escalation pass and the senders, installed into django-celery-beat by a migration."""

ESCALATION_SCHEDULES = [
    # (name, task, every N seconds, kwargs)
    ("Escalation pass", "escalation.pass", 15 * 60, {}),
    ("Deliver due contacts", "contacts.send_due", 60, {}),
]

# Added later, so installed by its own migration. Hourly: the letter waits days after the death anyway.
ESTATE_SCHEDULES = [
    ("Plan letters to estates", "escalation.estate_letters", 60 * 60, {}),
]

MEASURE_SCHEDULES = [
    # Hourly: a case crosses a DPD threshold at its cardholder's midnight, in any time zone; it asks once.
    ("Request card measures past the DPD threshold", "escalation.request_measures", 60 * 60, {}),
]
