from django.contrib import admin

from audit.models import AuditRecord
from core.admin_masking import ReadOnlyAdmin


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "case_id", "ip_address")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_id", "case_id")
    date_hierarchy = "at"
