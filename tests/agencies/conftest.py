import pytest

from agencies.services import agency_create
from core.actors import SYSTEM
from staff.models import Role
from tests.factories import CaseFactory, staff_user


@pytest.fixture
def agency(db):
    return agency_create(name="安信催收 Anxin Collections", licence="SH-2026-001", actor=SYSTEM, regions=["上海"],
                         commission_percent="12.5", capacity=3, commission_by_bucket={"M4": "15"})


@pytest.fixture
def other_agency(db):
    return agency_create(name="Other Agency", licence="BJ-2026-002", actor=SYSTEM)


@pytest.fixture
def agency_agent(agency):
    return staff_user(Role.AGENCY_AGENT, None, agency=agency, user__username="agency-agent")


@pytest.fixture
def agency_manager(agency):
    return staff_user(Role.AGENCY_MANAGER, None, agency=agency, user__username="agency-manager")


@pytest.fixture
def case(team):
    return CaseFactory(assigned_team=team, stage="contact")


def verified(client, user):
    """Sign `user` in with a confirmed authenticator and a verified session (agency staff need both)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client
