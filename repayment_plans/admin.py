from django.contrib import admin

from repayment_plans.models import AuthorityLimit


@admin.register(AuthorityLimit)
class AuthorityLimitAdmin(admin.ModelAdmin):
    """Negotiation authority is data: an administrator edits a role's limits here."""

    list_display = ("role", "max_months", "max_charges_waiver_percent", "max_principal_waiver_percent")
