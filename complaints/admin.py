from django.contrib import admin

from complaints.models import Complaint
from core.admin_masking import ReadOnlyAdmin


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "case", "category", "channel", "received_at", "sla_due_at", "status")
    list_filter = ("kind", "status", "category", "channel")
