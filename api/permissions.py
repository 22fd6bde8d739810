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



class StaffOrClient(BasePermission):
    """The API's schema and docs: any core-system client with a valid token, or a signed-in member of
    staff (a login with a staff profile). Nobody else learns the API's shape."""

    message = "Sign in as a member of staff, or send a valid API token."

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiClient):
            return True
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "profile", None) is not None)
