from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from contacts.models import ContactAttempt, ContactException, InboundSms, JurisdictionProfile, ScheduledContact
from core.admin_masking import ReadOnlyAdmin, masked


@admin.register(JurisdictionProfile)
class JurisdictionProfileAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_default", "contact_from", "contact_until", "calls_per_window",
                    "call_window_days", "calls_per_day", "quiet_days_after_conversation", "limit_scopes",
                    "measure_after_dpd")


@admin.register(ScheduledContact)
class ScheduledContactAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "channel", "due_at", "status", "rule", "strategy", "delivery_attempts", "last_error")
    list_filter = ("status", "channel", "origin", "strategy")
    search_fields = ("idempotency_key",)
    # The text as sent names the cardholder and the debt: it is read in the cardholder's file, not here.
    exclude = ("sent_to", "rendered_subject", "rendered_text")
    readonly_fields = (masked("sent_to", _("sent to")),)


@admin.register(ContactAttempt)
class ContactAttemptAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "channel", "direction", "occurred_at", "result", "actor_label", "breached_rules",
                    "exception")
    list_filter = ("channel", "direction", "source", "result", "third_party")
    exclude = ("number", "number_hash", "notes")
    readonly_fields = (masked("number", _("number or address used")),)


@admin.register(ContactException)
class ContactExceptionAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "granted_by_label", "valid_from", "valid_until", "single_use", "used_at",
                    "revoked_at")


@admin.register(InboundSms)
class InboundSmsAdmin(ReadOnlyAdmin):
    list_display = ("provider_id", "received_at", "outcome", "cardholders")
    list_filter = ("outcome",)
    exclude = ("sender", "sender_hash", "body")
    readonly_fields = (masked("sender", _("from")),)
