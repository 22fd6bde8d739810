import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cases.selectors import cases_in_bucket, cases_visible_to
from tests.factories import AccountFactory, CaseFactory, CustomerFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def case_overdue_since(day: dt.date, tz: str = "Asia/Shanghai"):
    return CaseFactory(overdue_since=day, account=AccountFactory(customer=CustomerFactory(timezone=tz)))


def test_cases_in_bucket_judges_each_case_in_its_cardholders_time_zone():
    # 16:30 UTC on 31 Jan: already 1 Feb in Shanghai, still 31 Jan in New York.
    as_of = dt.datetime(2026, 1, 31, 16, 30, tzinfo=UTC)
    shanghai = case_overdue_since(dt.date(2026, 1, 1))  # DPD 31 in Shanghai
    new_york = case_overdue_since(dt.date(2026, 1, 1), tz="America/New_York")  # DPD 30 in New York

    assert list(cases_in_bucket(bucket="M2", as_of=as_of)) == [shanghai]
    assert list(cases_in_bucket(bucket="M1", as_of=as_of)) == [new_york]


def test_cases_in_bucket_includes_the_open_ended_last_bucket():
    as_of = dt.datetime(2026, 6, 1, 4, tzinfo=UTC)
    old = case_overdue_since(dt.date(2024, 1, 1))
    case_overdue_since(dt.date(2026, 5, 1))
    assert list(cases_in_bucket(bucket="M7+", as_of=as_of)) == [old]


def test_a_case_knows_its_dpd_and_bucket_in_its_cardholders_zone():
    case = case_overdue_since(dt.date(2026, 1, 1))
    midnight = dt.datetime(2026, 1, 31, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert (case.dpd(midnight), case.bucket(midnight)) == (30, "M1")


class TestVisibility:
    def test_agents_see_their_own_teams_cases_only(self, agent, team, other_team):
        mine = CaseFactory(assigned_team=team)
        CaseFactory(assigned_team=other_team)
        assert list(cases_visible_to(user=agent)) == [mine]

    def test_supervisors_see_the_teams_they_supervise(self, supervisor, team, other_team):
        mine = CaseFactory(assigned_team=team)
        CaseFactory(assigned_team=other_team)
        assert list(cases_visible_to(user=supervisor)) == [mine]

    def test_field_agents_see_cases_assigned_to_them(self, field_agent, team):
        mine = CaseFactory(assigned_team=team, assigned_agent=field_agent)
        CaseFactory(assigned_team=team)
        assert list(cases_visible_to(user=field_agent)) == [mine]

    @pytest.mark.parametrize("role", ["manager", "compliance", "admin_user"])
    def test_managers_compliance_and_admins_see_every_case(self, role, request, team, other_team):
        user = request.getfixturevalue(role)
        cases = {CaseFactory(assigned_team=team), CaseFactory(assigned_team=other_team), CaseFactory()}
        assert set(cases_visible_to(user=user)) == cases

    def test_a_login_without_a_staff_profile_sees_nothing(self, outsider, team):
        CaseFactory(assigned_team=team)
        assert not cases_visible_to(user=outsider).exists()
