from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from cases.models import (
    Account,
    Case,
    CaseHold,
    CaseNote,
    ContactPoint,
    ContactPreferenceStatement,
    Customer,
    HoldRequest,
    MeasureRequest,
    Payment,
    Referral,
    StageHistory,
)
from core.admin_masking import ReadOnlyAdmin, masked

CARD_NUMBER = masked("account__account_number", _("card number"))


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    """Cardholders come from the core system, so the admin only looks, and sees personal data masked.

    Search is by the core system's id alone: names have no keyed hash, and an identifier typed into
    the search box would travel in the query string into every access log.
    """

    list_display = ("external_id", "name", "region", "timezone", "language")
    search_fields = ("external_id",)
    list_filter = ("region", "language")
    exclude = ("national_id", "national_id_hash", "phone", "phone_hash", "other_phones", "email", "address")
    readonly_fields = (masked("national_id", _("national id")), masked("phone", _("phone")),
                       masked("other_phones", _("other phone numbers")), masked("email", _("email")),
                       masked("address", _("address")), "case_pages")

    @admin.display(description=_("Reveal a field on a case page (with a reason, audited)"))
    def case_pages(self, obj):
        cases = Case.objects.filter(account__customer=obj).order_by("-id").values_list("id", flat=True)[:20]
        return format_html_join(", ", '<a href="{}">#{}</a>', ((reverse("cases:detail", args=[pk]), pk)
                                                                for pk in cases)) or "—"


@admin.register(ContactPoint)
class ContactPointAdmin(ReadOnlyAdmin):
    """Contact points come from the core system or from staff on the case page; the admin only looks."""

    list_display = ("id", "customer", "kind", "relationship", masked("phone", _("phone")), "source", "wrong_at",
                    "retired_at")
    list_filter = ("kind", "source")
    exclude = ("name", "phone", "phone_hash", "address")
    readonly_fields = (masked("name", _("name")), masked("phone", _("phone")), masked("address", _("address")))


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    """Accounts come from the core system's snapshots; the card number is shown masked."""

    list_display = (masked("account_number", _("card number")), "customer", "product", "currency", "credit_limit",
                    "snapshot_as_of")
    search_fields = ("customer__external_id",)
    list_select_related = ("customer",)
    exclude = ("account_number",)
    readonly_fields = (masked("account_number", _("card number")),)


class StageHistoryInline(admin.TabularInline):
    model = StageHistory
    fields = ("created_at", "from_stage", "to_stage", "outcome", "actor_label", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CaseHoldInline(admin.TabularInline):
    model = CaseHold
    fields = ("kind", "cause", "reason", "until", "placed_by_label", "placed_at", "released_at", "released_by_label")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("id", CARD_NUMBER, "stage", "outcome", "total_overdue", "currency", "overdue_since",
                    "assigned_team", "assigned_agent", "priority")
    list_filter = ("stage", "outcome", "assigned_team")
    search_fields = ("account__customer__external_id",)
    list_select_related = ("account", "assigned_team", "assigned_agent")
    raw_id_fields = ("assigned_agent",)
    exclude = ("account",)
    # Stage, outcome and amounts change only through the services (transition, core-system snapshots).
    readonly_fields = (CARD_NUMBER, "stage", "outcome", "currency", "principal_overdue", "interest_overdue",
                       "fees_overdue", "penalty_overdue", "total_overdue", "overdue_since", "opened_at",
                       "stage_changed_at", "closed_at", "updated_at")
    inlines = [CaseHoldInline, StageHistoryInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StageHistory)
class StageHistoryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "case", "from_stage", "to_stage", "outcome", "actor_label")
    list_filter = ("to_stage", "outcome")
    search_fields = ("case__id", "actor_label")


@admin.register(CaseHold)
class CaseHoldAdmin(ReadOnlyAdmin):
    list_display = ("case", "kind", "cause", "placed_at", "placed_by_label", "until", "released_at",
                    "released_by_label")
    list_filter = ("kind",)
    # The evidence is served by the case page only, where each view is audited.
    exclude = ("evidence_file",)


@admin.register(HoldRequest)
class HoldRequestAdmin(ReadOnlyAdmin):
    list_display = ("case", "kind", "cause", "until", "requested_by_label", "requested_at", "status",
                    "decided_by_label")
    list_filter = ("status", "kind")
    exclude = ("evidence_file",)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("transaction_id", CARD_NUMBER, "case", "amount", "currency", "paid_at", "received_at",
                    "reversed_at", "recovery")
    list_filter = ("recovery",)
    search_fields = ("transaction_id", "reverses__transaction_id")
    exclude = ("account",)
    readonly_fields = (CARD_NUMBER,)
    list_select_related = ("account",)


@admin.register(MeasureRequest)
class MeasureRequestAdmin(ReadOnlyAdmin):
    list_display = ("case", "reason", "requested_at")
    list_filter = ("reason",)
    search_fields = ("case__id",)


@admin.register(CaseNote)
class CaseNoteAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "case", "author_label")
    search_fields = ("case__id", "author_label")


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ("case", "raised_by_label", "raised_at", "status", "decided_by_label")
    list_filter = ("status",)


@admin.register(ContactPreferenceStatement)
class ContactPreferenceStatementAdmin(ReadOnlyAdmin):
    list_display = ("customer", "kind", "value", "source", "stated_at", "recorded_by_label")
    list_filter = ("kind", "source")
    # A number opt-out's target is the number's keyed hash, which says nothing to a reader.
    exclude = ("target",)
