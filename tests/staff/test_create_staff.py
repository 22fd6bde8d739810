import pytest
from django.core.management import CommandError, call_command

from staff.models import StaffProfile

pytestmark = pytest.mark.django_db


def test_create_staff_takes_the_password_from_the_environment(team, monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "a-long-enough-passphrase")
    call_command("create_staff", "wang.fang", "--role", "agent", "--team", team.name)
    profile = StaffProfile.objects.select_related("user").get(user__username="wang.fang")
    assert (profile.role, profile.team) == ("agent", team)
    assert profile.user.check_password("a-long-enough-passphrase")
    assert not profile.user.is_staff


def test_create_staff_prompts_when_the_environment_has_no_password(team, monkeypatch):
    monkeypatch.delenv("STAFF_PASSWORD", raising=False)
    answers = iter(["prompted-passphrase-1", "prompted-passphrase-1"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("create_staff", "li.qiang", "--role", "supervisor", "--team", team.name)
    assert StaffProfile.objects.get(user__username="li.qiang").user.check_password("prompted-passphrase-1")


def test_create_staff_names_the_known_teams_when_the_team_is_unknown(team, monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "a-long-enough-passphrase")
    with pytest.raises(CommandError, match=team.name):
        call_command("create_staff", "x", "--role", "agent", "--team", "No such team")
    assert not StaffProfile.objects.filter(user__username="x").exists()


def test_create_staff_refuses_a_weak_password(monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "123")
    with pytest.raises(CommandError, match="too short"):
        call_command("create_staff", "weak", "--role", "agent")


def test_an_admin_gets_the_django_admin(monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "a-long-enough-passphrase")
    call_command("create_staff", "root2", "--role", "admin")
    user = StaffProfile.objects.get(user__username="root2").user
    assert user.is_staff and user.is_superuser


def test_create_agency_then_its_staff_from_the_command_line(monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "a-long-enough-passphrase")
    call_command("create_agency", "Anxin", "--licence", "SH-1", "--regions", "上海市,江苏省", "--commission", "12.5")
    call_command("create_staff", "anxin.li", "--role", "agency_agent", "--agency", "Anxin")
    call_command("create_staff", "anxin.boss", "--role", "agency_manager", "--agency", "Anxin")
    profile = StaffProfile.objects.select_related("agency").get(user__username="anxin.li")
    assert (profile.role, profile.agency.name) == ("agency_agent", "Anxin")
    assert profile.agency.regions == ["上海市", "江苏省"]
    assert str(profile.agency.commission_percent) == "12.50"


def test_agency_roles_need_an_agency_and_others_may_not_have_one(monkeypatch):
    monkeypatch.setenv("STAFF_PASSWORD", "a-long-enough-passphrase")
    call_command("create_agency", "Anxin", "--licence", "SH-1")
    with pytest.raises(CommandError, match="agency"):
        call_command("create_staff", "lonely", "--role", "agency_agent")
    with pytest.raises(CommandError, match="agency"):
        call_command("create_staff", "inhouse", "--role", "agent", "--agency", "Anxin")
    with pytest.raises(CommandError, match="No agency named"):
        call_command("create_staff", "x", "--role", "agency_agent", "--agency", "Nobody")
    assert not StaffProfile.objects.exists()
