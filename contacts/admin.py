from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from contacts.models import ContactAttempt, JurisdictionProfile, ScheduledContact
from core.admin_masking import ReadOnlyAdmin, masked


@admin.register(JurisdictionProfile)
class JurisdictionProfileAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_default", "contact_from", "contact_until", "calls_per_window",
                    "call_window_days", "calls_per_day", "quiet_days_after_conversation")


@admin.register(ScheduledContact)
class ScheduledContactAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "channel", "due_at", "status", "rule", "strategy", "delivery_attempts", "last_error")
    list_filter = ("status", "channel", "origin", "strategy")
    search_fields = ("idempotency_key",)


@admin.register(ContactAttempt)
class ContactAttemptAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "channel", "at", "result", "actor_label", "overridden_by")
    list_filter = ("channel", "result", "third_party")
    exclude = ("number",)
    readonly_fields = (masked("number", _("number called")),)
