"""Role checks used by the HTML views. Which cases a user sees is decided in cases.selectors alone."""

from staff.models import Role

RELEASES_HOLDS = {Role.SUPERVISOR, Role.MANAGER, Role.COMPLIANCE}
# Compliance officers read everything and admins configure; neither works cases.
WORKS_CASES = {Role.AGENT, Role.FIELD_AGENT, Role.SUPERVISOR, Role.MANAGER}


def user_role(user) -> str | None:
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return profile.role if profile else None


def can_release_holds(user) -> bool:
    return user_role(user) in RELEASES_HOLDS


def can_work_cases(user) -> bool:
    """May log contacts, add notes, place holds and register complaints on the cases they can see."""
    return user_role(user) in WORKS_CASES
