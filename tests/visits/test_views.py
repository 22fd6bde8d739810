import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditRecord
from tests.visits.conftest import DAY, assigned_visit, make_visit
from visits.models import Visit, VisitStatus

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_an_agent_requests_a_visit_from_the_case_page(client, agent, case):
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Request a field visit" in page or "申请上门回访" in page
    response = client.post(reverse("visits:request-create", args=[case.pk]),
                           {"reason": "Three calls unanswered", "priority": "2"}, **HTMX)
    assert response.status_code == 200
    assert 'hx-swap-oob="true"' in response.content.decode()
    assert Visit.objects.get(case=case).requested_by == agent


def test_a_request_without_a_reason_says_so_beside_the_field(client, agent, case):
    client.force_login(agent)
    response = client.post(reverse("visits:request-create", args=[case.pk]), {"priority": "3"})
    assert response.status_code == 400
    assert 'id="vr-reason-error"' in response.content.decode()
    assert not Visit.objects.exists()


def test_a_field_agents_day_lists_their_visits(client, field_agent, morning, case):
    visit = assigned_visit(case, field_agent)
    client.force_login(field_agent)
    response = client.get(reverse("visits:day"))
    assert [v.pk for v in response.context["visits"]] == [visit.pk]
    assert "openstreetmap.org" in response.content.decode()


def test_the_supervisor_assigns_from_the_board(client, supervisor, field_agent, morning, case):
    visit = make_visit(case)
    client.force_login(supervisor)
    board = client.get(reverse("visits:board"))
    assert board.status_code == 200 and visit in board.context["pending"]
    response = client.post(reverse("visits:assign", args=[visit.pk]), {
        "agent": field_agent.pk, "day": DAY.isoformat(), "start": "10:00", "end": "12:00"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.ASSIGNED


def test_the_board_shows_the_governors_refusal(client, supervisor, field_agent, morning, case):
    visit = make_visit(case)
    client.force_login(supervisor)
    response = client.post(reverse("visits:assign", args=[visit.pk]), {
        "agent": field_agent.pk, "day": DAY.isoformat(), "start": "21:00", "end": "22:00"})
    assert response.status_code == 400
    assert ("Not permitted at 2030-03-05 21:00 (outside contact hours); next permitted 2030-03-06 08:00, "
            "Asia/Shanghai time.") in response.content.decode()


def test_the_board_lists_overdue_visits(client, supervisor, field_agent, morning, case):
    late = assigned_visit(case, field_agent)
    Visit.objects.filter(pk=late.pk).update(window_end=morning - dt.timedelta(hours=1))
    client.force_login(supervisor)
    assert [v.pk for v in client.get(reverse("visits:board")).context["overdue"]] == [late.pk]


def test_the_supervisor_cancels_a_visit_with_a_reason(client, supervisor, morning, case):
    visit = make_visit(case)
    client.force_login(supervisor)
    url = reverse("visits:cancel", args=[visit.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Cardholder paid at the branch"}).status_code == 302
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CANCELLED
    assert AuditRecord.objects.filter(action="visit.cancelled", reason="Cardholder paid at the branch").exists()


def test_agents_cannot_cancel_visits(client, agent, case):
    visit = make_visit(case)
    client.force_login(agent)
    assert client.post(reverse("visits:cancel", args=[visit.pk]), {"reason": "x"}).status_code == 403


def test_the_board_reads_the_field_agents_once_however_many_visits_wait(
        client, supervisor, field_agent, other_field_agent, morning, team, django_assert_max_num_queries):
    from tests.factories import CaseFactory

    for _ in range(6):
        make_visit(CaseFactory(assigned_team=team, stage="contact"), address="x")
    client.force_login(supervisor)
    client.get(reverse("visits:board"))
    with django_assert_max_num_queries(20):
        page = client.get(reverse("visits:board")).content.decode()
    assert page.count(f'value="{other_field_agent.pk}"') >= 12


def test_the_board_leaves_out_requests_of_cases_whose_contact_is_paused(client, supervisor, morning, case, team):
    from decimal import Decimal

    from cases.lifecycle import Stage
    from repayment_plans.models import Promise
    from tests.factories import CaseFactory

    offered = make_visit(case)
    promised = CaseFactory(stage=Stage.FOLLOW_UP, assigned_team=team)
    Promise.objects.create(case=promised, amount=Decimal("10.00"), currency="CNY", channel="call",
                           due_date=DAY + dt.timedelta(days=3), taken_by_label="agent")
    make_visit(promised)
    client.force_login(supervisor)
    assert client.get(reverse("visits:board")).context["pending"] == [offered]


def test_a_visit_withdrawn_from_the_day_is_shown_with_its_reason(client, field_agent, morning, case, supervisor):
    from cases.lifecycle import HoldKind
    from cases.services import case_hold_place

    visit = assigned_visit(case, field_agent)
    case_hold_place(case=case, kind=HoldKind.COMPLAINT, actor=supervisor, reason="Complaint to the regulator.")
    client.force_login(field_agent)
    response = client.get(reverse("visits:day"))
    assert response.context["visits"] == [] and response.context["withdrawn"] == [visit]
    assert "Cancelled: the case was put on hold." in response.content.decode()
