"""The periodic pickup of the policy's visit requests, installed into django-celery-beat by a migration."""

VISITS_SCHEDULES = [
    # (name, task, every N seconds, kwargs)
    ("Visit requests from the contact policy", "visits.from_escalation", 5 * 60, {}),
]
