import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cases.lifecycle import Stage
from staff.models import Role, StaffProfile
from tests.escalation.conftest import default_policy  # noqa: F401
from tests.factories import CaseFactory, staff_user
from visits.models import Visit, VisitOrigin

SH = ZoneInfo("Asia/Shanghai")
# A Tuesday in Shanghai, inside contact hours, later than any real clock running these tests.
MORNING = dt.datetime(2030, 3, 5, 9, 30, tzinfo=SH)
DAY = MORNING.date()


@pytest.fixture
def morning(time_machine):
    time_machine.move_to(MORNING, tick=False)
    return MORNING


@pytest.fixture
def field_agent(team):
    user = staff_user(Role.FIELD_AGENT, team, user__username="field")
    StaffProfile.objects.filter(user=user).update(region="上海")
    user.refresh_from_db()
    return user


@pytest.fixture
def other_field_agent(team):
    user = staff_user(Role.FIELD_AGENT, team, user__username="field2")
    StaffProfile.objects.filter(user=user).update(region="上海")
    user.refresh_from_db()
    return user


@pytest.fixture
def case(team):
    return CaseFactory(stage=Stage.CONTACT, assigned_team=team, account__customer__address="上海市徐汇区漕溪北路 88 号",
                       account__customer__region="上海")


def make_visit(case, **fields) -> Visit:
    values = {"origin": VisitOrigin.AGENT, "reason": "Calls failed", "address": case.account.customer.address,
              "region": case.account.customer.region, "requested_by_label": "agent"} | fields
    return Visit.objects.create(case=case, **values)


def assigned_visit(case, agent, **fields) -> Visit:
    start = dt.datetime.combine(DAY, dt.time(10, 0), tzinfo=SH)
    values = {"status": "assigned", "assigned_to": agent, "scheduled_for": DAY, "window_start": start,
              "window_end": start + dt.timedelta(hours=2)} | fields
    return make_visit(case, **values)
