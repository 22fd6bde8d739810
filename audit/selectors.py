import datetime as dt

from django.db.models import QuerySet

from audit.models import AuditRecord


def audit_search(
    *, actor: str = "", case_id: int | None = None, action: str = "", date_from: dt.date | None = None,
    date_to: dt.date | None = None, tz=None,
) -> QuerySet[AuditRecord]:
    """Audit records matching every given filter, newest first. Dates are whole days in `tz`."""
    records = AuditRecord.objects.all()
    if actor:
        records = records.filter(actor_label__iexact=actor)
    if case_id is not None:
        records = records.filter(case_id=case_id)
    if action:
        records = records.filter(action__startswith=action)
    if date_from is not None:
        records = records.filter(at__gte=dt.datetime.combine(date_from, dt.time.min, tz))
    if date_to is not None:
        records = records.filter(at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tz))
    return records.order_by("-at", "-id")


def audit_actions() -> list[str]:
    return list(AuditRecord.objects.order_by("action").values_list("action", flat=True).distinct())
