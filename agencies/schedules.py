"""Default schedules of the agencies app, installed into django-celery-beat by a migration."""

PLACEMENT_SCHEDULES = [
    # (name, task, every N seconds, kwargs). A placement ends the day after its last day.
    ("End placements past their period", "agencies.expire_placements", 60 * 60, {}),
]

# Added later, so installed by their own migration.
WARNING_SCHEDULES = [
    ("Warn of agencies' complaints over the threshold", "agencies.raise_complaints_warnings", 60 * 60, {}),
    # The in-house figures the agencies dashboard compares against (one INSERT … SELECT over the open cases).
    ("Refresh the agencies dashboard's in-house totals", "agencies.refresh_in_house_totals", 60 * 60, {}),
]

# The per-agency figures the agencies dashboard reads (one INSERT … SELECT per totals table).
AGENCY_TOTALS_SCHEDULES = [
    ("Refresh the agencies dashboard's per-agency totals", "agencies.refresh_agency_totals", 15 * 60, {}),
]
