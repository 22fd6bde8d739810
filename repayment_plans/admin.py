from django.contrib import admin

from core.admin_masking import ReadOnlyAdmin
from repayment_plans.models import (
    AuthorityLimit,
    IncomeStatement,
    Instalment,
    PlanDecision,
    Promise,
    RepaymentPlan,
    WriteOff,
)


@admin.register(AuthorityLimit)
class AuthorityLimitAdmin(admin.ModelAdmin):
    """Negotiation authority is data: an administrator edits a role's limits here. The field refuses more than
    the 60 months the law allows, and the database refuses it too. Write-off limits are refused when negative,
finer than a cent, or given for a currency code that is not another ISO 4217 one (AuthorityLimit.clean)."""

    list_display = ("role", "max_months", "max_charges_waiver_percent", "max_principal_waiver_percent",
                    "max_write_off", "max_write_off_by_currency")


# Promises, plans and their decisions change only through the negotiation services; the admin looks.
@admin.register(Promise)
class PromiseAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "status")
    list_filter = ("status",)


class InstalmentInline(admin.TabularInline):
    model = Instalment
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RepaymentPlan)
class RepaymentPlanAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "status", "approval_kind")
    list_filter = ("status", "approval_kind")
    inlines = [InstalmentInline]
    # The signed agreement is served only through the audited plan pages; the code's hash is nobody's business.
    exclude = ("signed_copy", "acceptance_code_hash")


@admin.register(Instalment)
class InstalmentAdmin(ReadOnlyAdmin):
    list_display = ("__str__",)


@admin.register(PlanDecision)
class PlanDecisionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "approval_kind")


@admin.register(IncomeStatement)
class IncomeStatementAdmin(ReadOnlyAdmin):
    list_display = ("__str__",)


@admin.register(WriteOff)
class WriteOffAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "status", "total", "currency", "approval_kind")
    list_filter = ("status", "approval_kind")
