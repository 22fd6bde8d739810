from django.contrib import admin

from core.models import Heartbeat, OutboxTask


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "worker", "seen_at")
    readonly_fields = ("name", "worker", "seen_at")

    def has_add_permission(self, request):
        return False


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    """Read-only: the relay owns these rows; a stuck one is diagnosed here, not edited."""

    list_display = ("id", "task", "key", "created_at", "sent_at", "attempts", "last_error")
    list_filter = (("sent_at", admin.EmptyFieldListFilter),)
    search_fields = ("task", "key")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
