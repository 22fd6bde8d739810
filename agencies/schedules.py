"""Default schedules of the agencies app, installed into django-celery-beat by a migration."""

PLACEMENT_SCHEDULES = [
    # (name, task, every N seconds, kwargs). A placement ends the day after its last day.
    ("End placements past their period", "agencies.expire_placements", 60 * 60, {}),
]
