from django.contrib import admin

from cases.admin import ReadOnlyAdmin
from events.models import Event


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("id", "type", "case", "account_number", "occurred_at")
    list_filter = ("type",)
    search_fields = ("account_number",)
