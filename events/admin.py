from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_masking import ReadOnlyAdmin, masked
from events.models import Event


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "case", masked("account_number", _("card number")), "occurred_at")
    list_filter = ("type",)
    exclude = ("account_number",)
    readonly_fields = (masked("account_number", _("card number")),)
