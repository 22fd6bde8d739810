from django.contrib import admin

from staff.models import StaffProfile, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "supervisor", "capacity", "assigns_by_load")
    list_filter = ("assigns_by_load",)
    search_fields = ("name", "region")


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "team", "region", "language")
    list_filter = ("role", "team")
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)
