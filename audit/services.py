from django.db import models

from audit.models import AuditRecord
from core.actors import actor_fields


def audit_log(
    *, actor, action: str, obj: models.Model, case_id: int | None = None, changes: dict | None = None,
    reason: str = "", ip_address: str | None = None,
) -> AuditRecord:
    """Append one audit record. `changes` must already have personal data masked."""
    return AuditRecord.objects.create(
        action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk), case_id=case_id,
        changes=changes or {}, reason=reason, ip_address=ip_address, **actor_fields(actor),
    )


def audit_log_many(
    *, actor, action: str, rows: list[tuple[models.Model, int | None, dict]], reason: str = "",
    ip_address: str | None = None,
) -> int:
    """Append one audit record per (object, case id, changes) of `rows`, in one insert: for the passes that
    act on thousands of cases at once. `changes` must already have personal data masked."""
    who = actor_fields(actor)
    AuditRecord.objects.bulk_create([
        AuditRecord(action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk), case_id=case_id,
                    changes=changes or {}, reason=reason, ip_address=ip_address, **who)
        for obj, case_id, changes in rows], batch_size=2000)
    return len(rows)


def client_ip(request) -> str | None:
    """The caller's address as the server saw it (the proxy is trusted to set REMOTE_ADDR correctly)."""
    return request.META.get("REMOTE_ADDR") or None
