from django.contrib import admin

from core.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "worker", "seen_at")
    readonly_fields = ("name", "worker", "seen_at")

    def has_add_permission(self, request):
        return False
