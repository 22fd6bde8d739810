from django.contrib import admin

from core.admin_masking import ReadOnlyAdmin
from visits.models import Visit, VisitDocument, VisitHistory, VisitReport


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "status", "priority", "region", "assigned_to", "second_agent", "window_start",
                    "outcome")
    list_filter = ("status", "origin", "outcome", "region")
    exclude = ("address", "latitude", "longitude", "check_in_latitude", "check_in_longitude")


@admin.register(VisitHistory)
class VisitHistoryAdmin(ReadOnlyAdmin):
    list_display = ("visit", "from_status", "to_status", "actor_label", "created_at")


@admin.register(VisitReport)
class VisitReportAdmin(ReadOnlyAdmin):
    list_display = ("visit",)


@admin.register(VisitDocument)
class VisitDocumentAdmin(ReadOnlyAdmin):
    """Who may open a file is decided by the visit pages, which audit each look; the admin lists them only."""

    list_display = ("visit",)
    exclude = ("file",)
