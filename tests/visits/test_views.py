import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AuditRecord
from tests.feedback import case_page_after, htmx_from, messages_of
from tests.visits.conftest import DAY, assigned_visit, make_visit
from visits.models import Visit, VisitStatus

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_an_agent_requests_a_visit_from_the_case_page(client, agent, case):
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Request a field visit" in page or "申请上门回访" in page
    response = client.post(reverse("visits:request-create", args=[case.pk]),
                           {"reason": "Three calls unanswered", "priority": "2"},
                           **htmx_from(reverse("cases:detail", args=[case.pk])))
    page = case_page_after(client, response, case)
    assert "Field visit requested" in messages_of(page)
    assert Visit.objects.get(case=case).requested_by == agent


def test_a_request_without_a_reason_says_so_beside_the_field(client, agent, case):
    client.force_login(agent)
    response = client.post(reverse("visits:request-create", args=[case.pk]), {"priority": "3"})
    assert response.status_code == 400
    assert 'id="vr-reason_error"' in response.content.decode()
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


def test_a_field_agent_checks_in_and_the_visit_page_says_so(client, field_agent, morning, case):
    visit = assigned_visit(case, field_agent)
    client.force_login(field_agent)
    response = client.post(reverse("visits:check-in", args=[visit.pk]), {"latitude": "31.19", "longitude": "121.43"},
                           follow=True)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CHECKED_IN
    assert "Checked in at 09:30." in messages_of(response.content.decode())


def _selected(page: str, name: str) -> str:
    """The value of the option selected in the <select> named `name`."""
    select = page[page.index(f'name="{name}"'):]
    select = select[:select.index("</select>")]
    marker = select.index(" selected")
    return select[select.rindex('value="', 0, marker) + 7:].split('"', 1)[0]


def test_a_refused_assignment_keeps_the_agent_and_the_times_typed(client, supervisor, field_agent, other_field_agent,
                                                                 morning, case):
    visit = make_visit(case)
    client.force_login(supervisor)
    response = client.post(reverse("visits:assign", args=[visit.pk]), {
        "agent": other_field_agent.pk, "day": DAY.isoformat(), "start": "21:00", "end": "22:00"})
    page = response.content.decode()
    assert response.status_code == 400 and "outside contact hours" in page
    assert _selected(page, "agent") == str(other_field_agent.pk)
    assert 'name="start" value="21:00"' in page and 'name="end" value="22:00"' in page


def test_a_window_that_ends_before_it_starts_is_refused_beside_the_field(client, supervisor, field_agent, morning,
                                                                        case):
    visit = make_visit(case)
    client.force_login(supervisor)
    response = client.post(reverse("visits:assign", args=[visit.pk]), {
        "agent": field_agent.pk, "day": DAY.isoformat(), "start": "15:00", "end": "11:00"})
    page = response.content.decode()
    assert response.status_code == 400
    assert f'id="va{visit.pk}-end_error"' in page and f'aria-describedby="va{visit.pk}-end_error"' in page
    assert 'name="start" value="15:00"' in page
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.REQUESTED


def test_a_visit_that_needs_two_agents_is_offered_two_from_its_region(client, supervisor, field_agent,
                                                                      other_field_agent, morning, team, settings):
    from tests.factories import CaseFactory

    settings.VISITS_TWO_AGENTS_FROM = 5000
    large = CaseFactory(stage="contact", assigned_team=team, account__customer__region="上海")
    visit = make_visit(large)
    client.force_login(supervisor)
    page = client.get(reverse("visits:board")).content.decode()
    assert f'id="two-{visit.pk}"' in page
    assert {_selected(page, "agent"), _selected(page, "second_agent")} == {str(field_agent.pk),
                                                                          str(other_field_agent.pk)}

    refused = client.post(reverse("visits:assign", args=[visit.pk]), {
        "agent": field_agent.pk, "day": DAY.isoformat(), "start": "10:00", "end": "12:00"})
    body = refused.content.decode()
    assert refused.status_code == 400 and f'id="va{visit.pk}-second_agent_error"' in body
    assert _selected(body, "agent") == str(field_agent.pk)

    done = client.post(reverse("visits:assign", args=[visit.pk]), {
        "agent": field_agent.pk, "second_agent": other_field_agent.pk, "day": DAY.isoformat(), "start": "10:00",
        "end": "12:00"}, follow=True)
    assert f"Visit #{visit.pk} assigned to field, field2." in done.content.decode()
    visit.refresh_from_db()
    assert (visit.assigned_to, visit.second_agent) == (field_agent, other_field_agent)


def test_the_completed_report_shows_every_field_captured(client, field_agent, supervisor, morning, case):
    visit = assigned_visit(case, field_agent)
    client.force_login(field_agent)
    client.post(reverse("visits:check-in", args=[visit.pk]), {"latitude": "31.19", "longitude": "121.43"})
    response = client.post(reverse("visits:complete", args=[visit.pk]), {
        "outcome": "met_cardholder", "identity_method": "id_card", "amount_confirmed": "on",
        "delinquency_reason": "Lost his job in January", "willingness": "unable", "attitude": "evasive",
        "others_present": "His brother", "next_step": "", "notes": "Asked for time."}, follow=True)
    page = response.content.decode()
    assert "Visit report saved." in page
    report = page[page.index('id="h-done"'):]
    for shown in ("Lost his job in January", "Evasive", "His brother", "Asked for time."):
        assert shown in report
    client.force_login(supervisor)
    report = client.get(reverse("visits:detail", args=[visit.pk])).content.decode()
    assert "Lost his job in January" in report and "His brother" in report and "Evasive" in report
