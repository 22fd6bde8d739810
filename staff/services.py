from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from staff.models import Agency, Role, StaffProfile, Team
from staff.permissions import Capability, role_can

User = get_user_model()


def team_create(*, name: str, region: str = "") -> Team:
    """Create a team, or return the existing one of that name unchanged."""
    team, _ = Team.objects.get_or_create(name=name, defaults={"region": region})
    return team


@transaction.atomic
def staff_create(
    *, username: str, role: str, password: str, team: Team | None = None, region: str = "",
    email: str = "", first_name: str = "", last_name: str = "", language: str = "zh-hans",
    validate: bool = True, agency: Agency | None = None,
) -> User:
    """Create a login with its staff profile.

    Admins get Django-admin access; everyone else works in the portal only. An agency's staff belong to
    their agency (and no one else has one). The password passes
    Django's validators unless `validate` is False (demo data only).
    """
    if role not in Role.values:
        raise DomainError(_("Unknown role %(role)s; choose one of %(join)s."),
                          params={"role": repr(role), "join": ', '.join(Role.values)}, field="role")
    if role_can(role, Capability.WORK_PLACED_CASES) != (agency is not None):
        raise DomainError(_("An agency's staff need their agency, and only they have one."), code="agency",
                          field="agency")
    if User.objects.filter(username=username).exists():
        raise DomainError(_("A user named %(username)s already exists."), params={"username": repr(username)},
                          field="username")
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    if validate:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise DomainError(" ".join(exc.messages), field="password") from exc
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    user.set_password(password)
    user.save()
    StaffProfile.objects.create(user=user, role=role, team=team, region=region or (team.region if team else ""),
                                language=language, agency=agency)
    return user
