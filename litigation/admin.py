from django.contrib import admin

from core.admin_masking import ReadOnlyAdmin
from litigation.models import LitigationRecord, Milestone, MilestoneDocument


@admin.register(LitigationRecord)
class LitigationRecordAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "court", "court_case_number", "progress", "opened_at", "closed_at", "ending")
    list_filter = ("progress", "ending", "counsel_kind")


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ("id", "record", "kind", "on", "amount", "currency", "actor_label", "recorded_at")
    list_filter = ("kind",)


@admin.register(MilestoneDocument)
class MilestoneDocumentAdmin(ReadOnlyAdmin):
    list_display = ("id", "milestone", "content_type", "size", "created_at")
