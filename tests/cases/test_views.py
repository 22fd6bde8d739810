import pytest
from django.urls import reverse

from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_the_login_page_renders_with_labelled_fields(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<label for="id_username"' in body and '<label for="id_password"' in body


def test_pages_need_a_login(client):
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_an_agent_sees_their_teams_cases_with_personal_data_masked(client, agent, team):
    case = CaseFactory(assigned_team=team)
    client.force_login(agent)
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    national_id = case.account.customer.national_id
    assert national_id not in body
    assert national_id[-4:] in body


def test_a_case_outside_the_users_scope_answers_404(client, agent, other_team):
    case = CaseFactory(assigned_team=other_team)
    client.force_login(agent)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404


def test_the_case_list_filters_by_stage(client, manager):
    CaseFactory(stage="confirm")
    plan = CaseFactory(stage="plan")
    client.force_login(manager)
    response = client.get(reverse("cases:list"), {"stage": "plan"})
    assert [c.pk for c in response.context["page"]] == [plan.pk]


def test_the_overview_counts_cases_by_stage(client, manager):
    CaseFactory(stage="plan")
    CaseFactory(stage="plan")
    client.force_login(manager)
    stages = {value: n for value, _label, n in client.get(reverse("home")).context["stages"]}
    assert stages["plan"] == 2 and stages["confirm"] == 0


def test_a_settled_case_says_settled_whichever_way_it_was_paid(client, manager):
    """Settled is the outcome; what settled it (a plan completed, a judgment paid) is the history row's reason."""
    from django.utils import timezone

    from staff.models import StaffProfile

    case = CaseFactory(stage="closed", outcome="settled", closed_at=timezone.now())
    client.force_login(manager)
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "<dd>Closed · Settled</dd>" in body
    assert "plan or judgment" not in body and "plan completed" not in body.lower()
    StaffProfile.objects.filter(user=manager).update(language="zh-hans")
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "<dd>已结案 · 已和解</dd>" in body and "方案" not in body.split('aria-labelledby="h-status"')[1][:600]
