from django.contrib import admin

from cases.admin import ReadOnlyAdmin
from dashboards.models import CaseDaySnapshot, OpenCaseTotal, SnapshotDay, SnapshotRoll, SnapshotTotal


@admin.register(SnapshotDay)
class SnapshotDayAdmin(ReadOnlyAdmin):
    list_display = ("__str__",)


@admin.register(CaseDaySnapshot)
class CaseDaySnapshotAdmin(ReadOnlyAdmin):
    list_display = ("__str__",)
    show_full_result_count = False  # a row per open case per day: never count them all


@admin.register(SnapshotTotal)
class SnapshotTotalAdmin(ReadOnlyAdmin):
    list_display = ("__str__",)
    show_full_result_count = False


@admin.register(SnapshotRoll)
class SnapshotRollAdmin(ReadOnlyAdmin):
    list_display = ("__str__",)
    show_full_result_count = False


@admin.register(OpenCaseTotal)
class OpenCaseTotalAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "refreshed_at")
    show_full_result_count = False
