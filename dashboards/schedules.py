"""The daily snapshot's schedule, installed into django-celery-beat by a migration and then owned by the admin."""

# (name, task, minute, hour, time zone): just before midnight in the portal's zone, so the row of each
# day records where the case stood at the end of it.
DASHBOARD_SCHEDULES = [
    ("Daily case snapshot", "dashboards.snapshot", "50", "23", "Asia/Shanghai"),
]
# The live portfolio's totals: a few minutes old at most.
OPEN_TOTALS_SCHEDULES = [
    ("Open case totals", "dashboards.refresh_open_totals", "*/5", "*", "Asia/Shanghai"),
]

# The self-service funnel's totals: the days that may have changed, rewritten every few minutes.
SELF_SERVICE_SCHEDULES = [
    ("Self-service funnel totals", "dashboards.refresh_self_service_totals", "*/15", "*", "Asia/Shanghai"),
]


def install_dashboard_schedules(PeriodicTask, CrontabSchedule, schedules=DASHBOARD_SCHEDULES) -> None:  # noqa: N803
    for name, task, minute, hour, zone in schedules:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone=zone)
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab, "kwargs": "{}"})
