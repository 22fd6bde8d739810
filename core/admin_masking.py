"""The admin's shared pieces: read-only rows, and personal data shown masked like on every page, never as an
editable field.

The admin is a tool for configuration and diagnosis. A value in full goes through the audited reveal
on a case page (cases.personal_data), which asks for a reason and records who looked.
"""

from django.contrib import admin

from core.masking import mask


class ReadOnlyAdmin(admin.ModelAdmin):
    """History and money rows are written by services only; the admin may look, never touch."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def masked(path: str, description):
    """A read-only admin column or field showing `path` (e.g. "account__account_number") masked."""

    @admin.display(description=description)
    def show(obj):
        value = obj
        for part in path.split("__"):
            value = getattr(value, part, None) if value is not None else None
        if not value:
            return "—"
        if isinstance(value, list | tuple):
            return ", ".join(mask(item) for item in value)
        return mask(value)

    show.__name__ = f"masked_{path}"
    return show
