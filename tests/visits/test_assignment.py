import datetime as dt
from decimal import Decimal

import pytest

from audit.models import AuditRecord
from cases.lifecycle import HoldKind
from cases.models import PreferenceKind, PreferenceSource
from cases.preferences import preference_state
from cases.services import case_hold_place
from contacts.services import ContactNotPermitted
from core.errors import DomainError
from staff.models import Role, StaffProfile
from tests.factories import CaseFactory, staff_user
from tests.visits.conftest import DAY, SH, make_visit
from visits.models import VisitHistory, VisitStatus
from visits.services import VisitNotAllowed, visit_assign, visits_auto_assign

pytestmark = pytest.mark.django_db
T = dt.time
TEN, NOON = T(10), T(12)


def assign(visit, actor, agent, start=TEN, end=NOON, **kwargs):
    return visit_assign(visit=visit, agent=agent, day=DAY, start=start, end=end, actor=actor, **kwargs)


def test_a_supervisor_assigns_a_visit_for_a_window_in_the_cardholders_time(morning, supervisor, field_agent, case):
    visit = assign(make_visit(case), supervisor, field_agent)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.ASSIGNED
    assert visit.assigned_to == field_agent
    assert visit.window_start == dt.datetime(2030, 3, 5, 10, 0, tzinfo=SH)
    assert VisitHistory.objects.filter(visit=visit, to_status=VisitStatus.ASSIGNED).exists()
    assert AuditRecord.objects.filter(action="visit.assigned", object_id=str(visit.pk)).exists()


def test_a_window_outside_contact_hours_is_refused(morning, supervisor, field_agent, case):
    with pytest.raises(ContactNotPermitted) as refused:
        assign(make_visit(case), supervisor, field_agent, start=T(20), end=T(22))
    assert [f["rule"] for f in refused.value.verdict.failed] == ["hours"]


def test_a_visit_is_booked_inside_the_cardholders_preferred_time(morning, supervisor, field_agent, case):
    # A visit is planned days ahead, so unlike a call it can always meet the time the cardholder asked for.
    preference_state(customer=case.account.customer, kind=PreferenceKind.WINDOW, actor=supervisor,
                     source=PreferenceSource.CARDHOLDER_PHONE, value={"from": "18:00", "until": "20:00"},
                     stated_at=morning - dt.timedelta(days=1))
    visit = make_visit(case)
    with pytest.raises(ContactNotPermitted) as refused:
        assign(visit, supervisor, field_agent)
    assert [f["rule"] for f in refused.value.verdict.failed] == ["preferred_window"]
    assert assign(visit, supervisor, field_agent, start=T(18), end=T(20)).status == VisitStatus.ASSIGNED


def test_no_visit_is_assigned_while_a_hold_applies(morning, supervisor, field_agent, case):
    case_hold_place(case=case, kind=HoldKind.LEGAL_HOLD, actor=supervisor, reason="Court order")
    with pytest.raises(ContactNotPermitted):
        assign(make_visit(case), supervisor, field_agent)


def test_agents_do_not_assign_visits(morning, agent, field_agent, case):
    with pytest.raises(VisitNotAllowed):
        assign(make_visit(case), agent, field_agent)


def test_only_field_agents_are_sent(morning, supervisor, agent, case):
    with pytest.raises(DomainError, match="field agent"):
        assign(make_visit(case), supervisor, agent)


def test_a_large_debt_needs_two_field_agents(morning, supervisor, field_agent, other_field_agent, team):
    large = CaseFactory(assigned_team=team, stage="contact", principal_overdue=Decimal("150000.00"))
    visit = make_visit(large, address="x")
    with pytest.raises(DomainError) as refused:
        assign(visit, supervisor, field_agent)
    assert refused.value.code == "two_agents_required"
    assign(visit, supervisor, field_agent, second_agent=other_field_agent)
    visit.refresh_from_db()
    assert visit.second_agent == other_field_agent


def test_a_visit_after_an_unsafe_one_needs_two_field_agents(morning, supervisor, field_agent, case):
    make_visit(case, status="completed", outcome="unsafe", assigned_to=field_agent, scheduled_for=DAY,
               window_start=morning, window_end=morning)
    with pytest.raises(DomainError, match="two field agents"):
        assign(make_visit(case), supervisor, field_agent)


def test_reassignment_moves_the_visit_to_another_agent(morning, supervisor, field_agent, other_field_agent, case):
    visit = assign(make_visit(case), supervisor, field_agent)
    assign(visit, supervisor, other_field_agent, start=T(14), end=T(16))
    visit.refresh_from_db()
    assert visit.assigned_to == other_field_agent
    assert AuditRecord.objects.filter(action="visit.reassigned").exists()


def test_auto_assignment_goes_by_region_then_load(morning, supervisor, field_agent, other_field_agent, team):
    beijing = staff_user(Role.FIELD_AGENT, team, user__username="field-bj")
    StaffProfile.objects.filter(user=beijing).update(region="北京")
    busy = make_visit(CaseFactory(assigned_team=team, stage="contact"), address="a", status="assigned",
                      assigned_to=field_agent, scheduled_for=DAY, window_start=morning, window_end=morning)
    shanghai = make_visit(CaseFactory(assigned_team=team, stage="contact"), address="b", region="上海")
    in_beijing = make_visit(CaseFactory(assigned_team=team, stage="contact"), address="c", region="北京")
    nowhere = make_visit(CaseFactory(assigned_team=team, stage="contact"), address="d", region="拉萨")

    assigned, skipped = visits_auto_assign(actor=supervisor, day=DAY, start=T(10), end=T(12))

    assert {v.pk for v in assigned} == {shanghai.pk, in_beijing.pk}
    assert [v.pk for v, _why in skipped] == [nowhere.pk]
    shanghai.refresh_from_db()
    in_beijing.refresh_from_db()
    assert shanghai.assigned_to == other_field_agent  # field_agent already has a visit that day
    assert in_beijing.assigned_to == beijing
    assert busy.pk not in {v.pk for v in assigned}
