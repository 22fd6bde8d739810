import pytest
from django.urls import reverse

from cases.selectors import cases_visible_to
from tests.factories import CaseFactory
from tests.visits.conftest import assigned_visit, make_visit
from visits.selectors import visits_visible_to

pytestmark = pytest.mark.django_db


def test_a_field_agent_sees_only_their_visits_and_those_visits_cases(field_agent, other_field_agent, case, team):
    other_case = CaseFactory(assigned_team=team, stage="contact")
    mine = assigned_visit(case, field_agent)
    assigned_visit(other_case, other_field_agent)
    make_visit(CaseFactory(assigned_team=team, stage="contact"), address="x")  # requested, nobody's yet
    assert list(visits_visible_to(user=field_agent)) == [mine]
    assert list(cases_visible_to(user=field_agent)) == [case]


def test_a_second_agent_sees_the_visit_and_its_case(field_agent, other_field_agent, case):
    visit = assigned_visit(case, field_agent, second_agent=other_field_agent)
    assert list(visits_visible_to(user=other_field_agent)) == [visit]
    assert list(cases_visible_to(user=other_field_agent)) == [case]


def test_a_cancelled_visit_no_longer_opens_its_case(field_agent, case):
    assigned_visit(case, field_agent, status="cancelled")
    assert not cases_visible_to(user=field_agent).exists()


def test_another_field_agent_gets_404_for_the_visit_and_its_case(client, field_agent, other_field_agent, case):
    visit = assigned_visit(case, field_agent)
    client.force_login(other_field_agent)
    assert client.get(reverse("visits:detail", args=[visit.pk])).status_code == 404
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    client.force_login(field_agent)
    assert client.get(reverse("visits:detail", args=[visit.pk])).status_code == 200
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200


def test_agents_see_the_visits_of_their_teams_cases(agent, other_agent, field_agent, case):
    visit = assigned_visit(case, field_agent)
    assert list(visits_visible_to(user=agent)) == [visit]
    assert not visits_visible_to(user=other_agent).exists()


def test_the_supervisors_board_is_not_for_field_agents(client, field_agent):
    client.force_login(field_agent)
    assert client.get(reverse("visits:board")).status_code == 403


def test_only_the_visits_agents_see_the_full_address(client, supervisor, field_agent, case):
    visit = assigned_visit(case, field_agent)
    client.force_login(supervisor)
    page = client.get(reverse("visits:detail", args=[visit.pk])).content.decode()
    assert case.account.customer.address not in page and "88 号" in page
    client.force_login(field_agent)
    assert case.account.customer.address in client.get(reverse("visits:detail", args=[visit.pk])).content.decode()
