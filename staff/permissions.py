"""Role checks used by the HTML views. Which cases a user sees is decided in cases.selectors alone."""

from staff.models import Role

RELEASES_HOLDS = {Role.SUPERVISOR, Role.MANAGER, Role.COMPLIANCE, Role.ADMIN}


def user_role(user) -> str | None:
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return profile.role if profile else None


def can_release_holds(user) -> bool:
    return user_role(user) in RELEASES_HOLDS
