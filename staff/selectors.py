from staff.models import Role, StaffProfile


def staff_role(*, user) -> str | None:
    """The portal role of a user, or None for a login without a staff profile."""
    if not user.is_authenticated:
        return None
    profile = StaffProfile.objects.filter(user=user).only("role").first()
    return profile.role if profile else None


def agents_of_team(*, team):
    return StaffProfile.objects.filter(team=team, role=Role.AGENT).select_related("user")
