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


def client_ip(request) -> str | None:
    """The caller's address as the server saw it (the proxy is trusted to set REMOTE_ADDR correctly)."""
    return request.META.get("REMOTE_ADDR") or None
