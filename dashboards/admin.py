from django.contrib import admin

from core.admin_masking import ReadOnlyAdmin
from dashboards.models import (
    ActivityCount,
    AttemptTotal,
    CaseDaySnapshot,
    CaseSpanTotal,
    OpenCaseTotal,
    PaymentTotal,
    PolicyPreview,
    SelfServiceCount,
    SelfServiceTotal,
    SnapshotDay,
    SnapshotRoll,
    SnapshotTotal,
)


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


@admin.register(ActivityCount)
class ActivityCountAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "last_attempt_id", "last_payment_id")


@admin.register(AttemptTotal)
class AttemptTotalAdmin(ReadOnlyAdmin):
    list_display = ("__str__",)
    show_full_result_count = False


@admin.register(PaymentTotal)
class PaymentTotalAdmin(ReadOnlyAdmin):
    list_display = ("__str__",)
    show_full_result_count = False


@admin.register(CaseSpanTotal)
class CaseSpanTotalAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "refreshed_at")
    show_full_result_count = False


@admin.register(PolicyPreview)
class PolicyPreviewAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "status", "requested_by", "requested_at", "finished_at")
    list_filter = ("status",)


@admin.register(SelfServiceTotal)
class SelfServiceTotalAdmin(ReadOnlyAdmin):
    list_display = ("__str__",)
    show_full_result_count = False


@admin.register(SelfServiceCount)
class SelfServiceCountAdmin(ReadOnlyAdmin):
    list_display = ("__str__",)
