"""Finding: `first_due_date=9999-12-31` raised "year 10000 is out of range" (500). Every date a person
enters is bounded to a sensible window, and a date outside it is answered beside its field."""

import pytest
from django.urls import reverse

from audit.models import AuditRecord
from repayment_plans.models import Promise, RepaymentPlan
from tests.factories import CaseFactory
from tests.repayment_plans.helpers import contact_case
from tests.visits.conftest import DAY, MORNING, assigned_visit, make_visit
from visits.models import Visit, VisitReport

pytestmark = pytest.mark.django_db
FAR = ["9999-12-31", "0001-01-01", "2999-01-01"]


def error_beside(response, field_id: str) -> bool:
    """The field's error, tied to it by id (`<field id>-error` or `<field id>_error`, as the templates name it)."""
    html = response.content.decode()
    return f'id="{field_id}-error"' in html or f'id="{field_id}_error"' in html


@pytest.mark.parametrize("day", FAR)
@pytest.mark.parametrize("action", ["preview", "propose"])
def test_a_plans_first_payment_far_away_is_refused_beside_the_field(client, agent, day, action):
    case = contact_case(agent)
    client.force_login(agent)
    response = client.post(reverse("repayment_plans:plan-create", args=[case.pk]), {
        "kind": "instalments", "count": "6", "first_due_date": day, "waive_interest": "0", "waive_fees": "0",
        "waive_penalty": "0", "waive_principal": "0", "terms": "", "action": action})
    assert response.status_code == 400
    assert error_beside(response, "pp-first_due_date")
    assert not RepaymentPlan.objects.exists()


@pytest.mark.parametrize("day", FAR)
def test_a_promise_date_far_away_is_refused_beside_the_field(client, agent, day):
    case = contact_case(agent)
    client.force_login(agent)
    response = client.post(reverse("repayment_plans:promise-create", args=[case.pk]),
                           {"amount": "300.00", "due_date": day, "channel": "call"})
    assert response.status_code == 400
    assert error_beside(response, "np-due_date") and not Promise.objects.exists()


@pytest.fixture
def visit_case(team):
    return CaseFactory(stage="contact", assigned_team=team, account__customer__address="上海市徐汇区漕溪北路 88 号",
                       account__customer__region="上海")


@pytest.mark.parametrize("day", FAR)
def test_a_visit_date_beyond_a_year_is_refused_beside_the_field(client, supervisor, field_agent, visit_case,
                                                                 time_machine, day):
    time_machine.move_to(MORNING, tick=False)
    visit = make_visit(visit_case)
    client.force_login(supervisor)
    response = client.post(reverse("visits:assign", args=[visit.pk]),
                           {"agent": field_agent.pk, "day": day, "start": "10:00", "end": "12:00"})
    assert response.status_code == 400
    assert error_beside(response, f"va{visit.pk}-day")
    assert Visit.objects.get(pk=visit.pk).status == "requested"


@pytest.mark.parametrize("day", FAR)
def test_an_auto_assignment_day_beyond_a_year_is_refused(client, supervisor, visit_case, time_machine, day):
    time_machine.move_to(MORNING, tick=False)
    make_visit(visit_case)
    client.force_login(supervisor)
    response = client.post(reverse("visits:auto-assign"), {"day": day, "start": "09:00", "end": "18:00"})
    assert response.status_code == 400
    assert error_beside(response, "aa-day")


@pytest.mark.parametrize("day", FAR)
def test_a_promise_date_in_a_visit_report_far_away_is_refused_beside_the_field(client, field_agent, visit_case,
                                                                              time_machine, day):
    time_machine.move_to(MORNING, tick=False)
    visit = assigned_visit(visit_case, field_agent, status="checked_in", checked_in_at=MORNING)
    client.force_login(field_agent)
    response = client.post(reverse("visits:complete", args=[visit.pk]), {
        "outcome": "promise", "promise_amount": "100.00", "promise_date": day, "next_step": "follow_up"})
    assert response.status_code == 400
    assert error_beside(response, "vf-promise_date") and not VisitReport.objects.exists()


@pytest.mark.parametrize("day", FAR)
def test_a_callback_time_far_away_is_refused_beside_the_field(client, agent, team, day):
    case = CaseFactory(stage="contact", assigned_team=team)
    client.force_login(agent)
    response = client.post(reverse("contacts:attempt-create", args=[case.pk]), {
        "channel": "call", "number": "primary", "result": "no_answer", "callback_at": f"{day}T10:00"})
    assert response.status_code == 400
    assert error_beside(response, "ca-callback_at")


@pytest.mark.parametrize("field", ["date_from", "date_to"])
@pytest.mark.parametrize("day", FAR)
def test_an_audit_search_date_far_away_is_refused_beside_the_field(client, compliance, field, day):
    AuditRecord.objects.create(actor_label="agent", action="note.added", object_type="cases.case", object_id="1")
    client.force_login(compliance)
    for export in ({}, {"export": "csv"}):
        response = client.get(reverse("audit:trail"), {field: day, **export})
        assert response.status_code == 400
        assert error_beside(response, f"id_{field}")


@pytest.mark.parametrize("field", ["start", "end"])
@pytest.mark.parametrize("day", FAR)
def test_a_dashboard_date_far_away_is_refused_beside_the_field(client, supervisor, field, day):
    client.force_login(supervisor)
    for export in ({}, {"export": "csv", "table": "agents"}, {"export": "xlsx"}):
        response = client.get(reverse("dashboards:page", args=["teams"]), {field: day, **export})
        assert response.status_code == 400
        assert error_beside(response, f"id_{field}")


def test_a_date_inside_the_window_is_still_accepted(client, supervisor, field_agent, visit_case, time_machine):
    time_machine.move_to(MORNING, tick=False)
    visit = make_visit(visit_case)
    client.force_login(supervisor)
    response = client.post(reverse("visits:assign", args=[visit.pk]),
                           {"agent": field_agent.pk, "day": DAY.isoformat(), "start": "10:00", "end": "12:00"})
    assert response.status_code == 302


def test_the_window_is_named_in_the_readers_language(client, agent):
    from django.utils import translation

    from core.forms import BoundedDateField, days_from_today

    field = BoundedDateField(earliest=days_from_today(0), latest=days_from_today(10))
    with translation.override("zh-hans"):
        from django.core.exceptions import ValidationError
        with pytest.raises(ValidationError) as refused:
            field.clean("9999-12-31")
        assert "之间的日期" in refused.value.messages[0]
