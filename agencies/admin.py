"""Read-only views of agencies and their placements: every write goes through the portal's pages and services,
so that suspending an agency ends its placements and every change is audited."""

from django.contrib import admin

from agencies.models import CommissionLine, Placement, Statement
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
