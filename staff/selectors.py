from staff.models import Role, StaffProfile


def staff_role(*, user) -> str | None:
    """The portal role of a user, or None for a login without a staff profile."""
    if not user.is_authenticated:
        return None
    profile = StaffProfile.objects.filter(user=user).only("role").first()
    return profile.role if profile else None


def agents_of_team(*, team):
    return StaffProfile.objects.filter(team=team, role=Role.AGENT).select_related("user")


def agents_of_teams(*, teams):
    """The active collections agents of `teams`: the people whose queues a team's cases go to."""
    from django.contrib.auth import get_user_model

    return (get_user_model().objects.filter(profile__team__in=teams, profile__role=Role.AGENT, is_active=True)
            .select_related("profile__team").order_by("profile__team__name", "username"))
