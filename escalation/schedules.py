"""The escalation pass's default schedule, installed into django-celery-beat by a migration."""

ESCALATION_SCHEDULES = [
    # (name, task, every N seconds, kwargs)
    ("Escalation pass", "escalation.pass", 15 * 60, {}),
]
