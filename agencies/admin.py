"""Read-only views of agencies and their placements: every write goes through the portal's pages and services,
so that suspending an agency ends its placements and every change is audited."""

from django.contrib import admin

from agencies.models import (
    AgencyFigure,
    AgencyTotal,
    CommissionLine,
    ComplaintsWarning,
    InHouseTotal,
    Placement,
    Statement,
    TemplateSet,
)
from core.admin_masking import ReadOnlyAdmin
from staff.models import Agency


@admin.register(Agency)
class AgencyAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "licence", "status", "contract_start", "contract_end", "capacity")
    list_filter = ("status",)


@admin.register(Placement)
class PlacementAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "agency", "started_at", "until", "ended_at", "end_cause")
    list_filter = ("end_cause",)


@admin.register(CommissionLine)
class CommissionLineAdmin(ReadOnlyAdmin):
    list_display = ("id", "agency", "case", "payment", "kind", "rate", "amount", "currency", "statement_month")
    list_filter = ("kind",)


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ("id", "agency", "month", "currency", "approved_at")


@admin.register(TemplateSet)
class TemplateSetAdmin(ReadOnlyAdmin):
    list_display = ("id", "agency", "version", "active", "created_at", "published_at")
    list_filter = ("active",)


@admin.register(ComplaintsWarning)
class ComplaintsWarningAdmin(ReadOnlyAdmin):
    list_display = ("id", "agency", "period", "rate", "threshold", "raised_at", "emailed_at")


@admin.register(InHouseTotal)
class InHouseTotalAdmin(ReadOnlyAdmin):
    list_display = ("id", "bucket", "currency", "cases", "owed", "paid", "refreshed_at")


@admin.register(AgencyTotal)
class AgencyTotalAdmin(ReadOnlyAdmin):
    list_display = ("id", "agency", "bucket", "currency", "placed", "balance", "recovered", "refreshed_at")


@admin.register(AgencyFigure)
class AgencyFigureAdmin(ReadOnlyAdmin):
    list_display = ("id", "agency", "contacts", "complaints", "promises_kept", "refreshed_at")
