"""Default schedules of the escalation pass and the senders, installed into django-celery-beat by a migration."""

ESCALATION_SCHEDULES = [
    # (name, task, every N seconds, kwargs)
    ("Escalation pass", "escalation.pass", 15 * 60, {}),
    ("Deliver due contacts", "contacts.send_due", 60, {}),
]
