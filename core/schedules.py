"""The project's default periodic tasks, installed into django-celery-beat's tables.

They are created once by a data migration and then belong to the admin: a supervisor may change the
interval or disable a task there, and a later deploy does not overwrite that.
"""

DEFAULT_SCHEDULES = [
    # (name, task, every N seconds, kwargs)
    ("Worker heartbeat", "core.heartbeat", 60, {"name": "beat"}),
]

# Added after the first deploy, so installed by their own migration.
OUTBOX_SCHEDULES = [
    ("Relay the task outbox", "core.relay_outbox", 5, {}),
]


def install_default_schedules(PeriodicTask, IntervalSchedule, schedules=DEFAULT_SCHEDULES) -> None:  # noqa: N803
    import json

    for name, task, seconds, kwargs in schedules:
        interval, _ = IntervalSchedule.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "interval": interval, "kwargs": json.dumps(kwargs)}
        )
