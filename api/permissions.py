from rest_framework.permissions import BasePermission

from api.models import ApiClient


class ClientHasScope(BasePermission):
    """A core-system client needs the view's `required_scope`. Staff sessions pass only where the view
    sets `staff_may_read`; what they then see is narrowed by `cases_visible_to`."""

    message = "This client lacks the scope this endpoint needs."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if isinstance(request.auth, ApiClient):
            return request.auth.has_scope(view.required_scope)
        return bool(getattr(view, "staff_may_read", False)) and getattr(request.user, "profile", None) is not None

