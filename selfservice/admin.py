"""Read-only views of the cardholder's page: links (their hashes only), what the cardholder did, and the
failures that lock a link. Codes and sessions show when they were made and used, never their hashes."""

from django.contrib import admin

from core.admin_masking import ReadOnlyAdmin
from selfservice.models import (
    CardholderAction,
    CardholderSession,
    CardholderUpload,
    Failure,
    OfferAcceptance,
    SelfServiceLink,
    VerificationCode,
)


@admin.register(SelfServiceLink)
class SelfServiceLinkAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "created_at", "expires_at", "revoked_at")


@admin.register(CardholderAction)
class CardholderActionAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "case", "kind", "created_at")
    list_filter = ("kind",)


@admin.register(CardholderUpload)
class CardholderUploadAdmin(ReadOnlyAdmin):
    list_display = ("id", "action")


@admin.register(Failure)
class FailureAdmin(ReadOnlyAdmin):
    list_display = ("id",)


@admin.register(VerificationCode)
class VerificationCodeAdmin(ReadOnlyAdmin):
    list_display = ("id",)


@admin.register(CardholderSession)
class CardholderSessionAdmin(ReadOnlyAdmin):
    list_display = ("id",)


@admin.register(OfferAcceptance)
class OfferAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ("id", "offer", "policy_version", "plan")
