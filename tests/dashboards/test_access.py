import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ["portfolio", "flow", "contact", "strategies", "work", "teams", "selfservice"]
MANAGE = ["dashboards:reassign", "dashboards:teams", "dashboards:reviews", "dashboards:policy"]


@pytest.mark.parametrize("actor", ["agent", "field_agent", "outsider"])
def test_agents_and_field_agents_cannot_open_dashboards(client, request, actor):
    client.force_login(request.getfixturevalue(actor))
    for page in PAGES:
        assert client.get(reverse("dashboards:page", args=[page])).status_code == 403
    for name in MANAGE:
        assert client.get(reverse(name)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("dashboards:home"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("actor", ["supervisor", "manager", "compliance"])
def test_dashboard_roles_open_every_page(client, request, actor):
    client.force_login(request.getfixturevalue(actor))
    for page in PAGES:
        assert client.get(reverse("dashboards:page", args=[page])).status_code == 200


def test_compliance_reads_but_does_not_manage(client, compliance):
    client.force_login(compliance)
    for name in MANAGE:
        assert client.get(reverse(name)).status_code == 403


def test_an_unknown_page_is_404(client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("dashboards:page", args=["nope"])).status_code == 404


def test_a_supervisor_cannot_filter_to_another_team(client, supervisor, other_team):
    client.force_login(supervisor)
    response = client.get(reverse("dashboards:page", args=["portfolio"]), {"team": other_team.pk})
    assert response.status_code == 400
    assert "team" in response.context["form"].errors
