from django.contrib import admin

from core.admin_masking import ReadOnlyAdmin
from escalation.models import (
    CaseEscalation,
    EscalationChunk,
    EscalationPending,
    EscalationRun,
    PlanOffer,
    Policy,
    PolicyAction,
    PolicyTier,
    PolicyVersion,
)


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default")


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    """Versions are immutable; publish a new one through `escalation.policy.policy_version_publish`."""

    list_display = ("policy", "number", "effective_from", "challenger", "challenger_percent", "created_by_label")


@admin.register(CaseEscalation)
class CaseEscalationAdmin(ReadOnlyAdmin):
    list_display = ("case", "tier_code", "strategy", "policy_version", "tier_since", "next_due_at")
    list_filter = ("tier_code", "strategy")


@admin.register(EscalationRun)
class EscalationRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "as_of", "dry_run", "chunks_total", "started_at")


@admin.register(PolicyTier)
class PolicyTierAdmin(ReadOnlyAdmin):
    list_display = ("version", "code", "name", "rank", "dpd_from", "dpd_to")
    list_filter = ("code",)


@admin.register(PolicyAction)
class PolicyActionAdmin(ReadOnlyAdmin):
    list_display = ("tier", "code", "channel", "cadence", "condition")
    list_filter = ("channel", "cadence")


@admin.register(EscalationChunk)
class EscalationChunkAdmin(ReadOnlyAdmin):
    list_display = ("id", "run")


@admin.register(EscalationPending)
class EscalationPendingAdmin(ReadOnlyAdmin):
    """Cases whose inputs changed since the pass last looked; written by triggers, cleared by the pass."""

    list_display = ("case", "mark")


@admin.register(PlanOffer)
class PlanOfferAdmin(ReadOnlyAdmin):
    """Offers are set on the policy page, where changing one publishes a new version; here they are read."""

    list_display = ("code", "version", "kind", "dpd_from", "dpd_to", "currency", "amount_from", "amount_to")
    list_filter = ("kind",)
