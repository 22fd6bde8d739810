from django.contrib import admin

from api.models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Read-only: clients are created and revoked with create_api_client / revoke_api_client."""

    list_display = ("name", "scopes", "token_prefix", "created_at", "revoked_at")
    search_fields = ("name",)
    readonly_fields = ("name", "scopes", "token_prefix", "created_at", "revoked_at")
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
