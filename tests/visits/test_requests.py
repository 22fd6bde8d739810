import datetime as dt

import pytest

from audit.models import AuditRecord
from cases.lifecycle import Stage
from contacts.models import Channel, ContactStatus, ScheduledContact
from core.errors import Conflict
from tests.factories import CaseFactory
from tests.visits.conftest import make_visit
from visits.models import Visit, VisitHistory, VisitOrigin, VisitPriority, VisitStatus
from visits.services import (
    VisitNotAllowed,
    visit_request,
    visits_from_escalation,
    visits_withdraw_out_of_collections,
)

pytestmark = pytest.mark.django_db


def policy_visit(case, rule="T4.visit", status=ContactStatus.SCHEDULED):
    now = dt.datetime.now(dt.UTC)
    return ScheduledContact.objects.create(case=case, channel=Channel.VISIT, due_at=now, status=status,
                                           idempotency_key=f"{case.pk}:{rule}:{status}", rule=rule)


def test_policy_visit_contacts_become_visit_requests_once(case, team):
    t3_case = CaseFactory(stage=Stage.CONTACT, assigned_team=team, account__customer__region="北京")
    t4 = policy_visit(case)
    t3 = policy_visit(t3_case, rule="T3.visit")
    policy_visit(CaseFactory(stage=Stage.CONTACT), status=ContactStatus.HELD)

    assert visits_from_escalation() == 2
    assert visits_from_escalation() == 0

    by_contact = {visit.scheduled_contact_id: visit for visit in Visit.objects.all()}
    assert set(by_contact) == {t4.pk, t3.pk}
    assert by_contact[t4.pk].priority == VisitPriority.HIGH
    assert by_contact[t3.pk].priority == VisitPriority.NORMAL
    assert by_contact[t3.pk].region == "北京"
    assert by_contact[t4.pk].address == case.account.customer.address
    assert by_contact[t4.pk].origin == VisitOrigin.ESCALATION
    assert VisitHistory.objects.filter(to_status=VisitStatus.REQUESTED).count() == 2


def test_a_case_with_an_open_visit_gets_no_second_one_from_the_policy(case):
    make_visit(case)
    policy_visit(case)
    assert visits_from_escalation() == 0
    assert Visit.objects.filter(case=case).count() == 1


def test_an_agent_requests_a_visit_to_the_cardholders_address(agent, case):
    visit = visit_request(case=case, actor=agent, reason="Three calls unanswered", priority=VisitPriority.HIGH)
    assert (visit.status, visit.origin, visit.address, visit.region) == (
        VisitStatus.REQUESTED, VisitOrigin.AGENT, case.account.customer.address, "上海")
    record = AuditRecord.objects.get(action="visit.requested")
    assert case.account.customer.address not in str(record.changes)


def test_a_supervisors_request_is_marked_as_theirs(supervisor, case):
    visit = visit_request(case=case, actor=supervisor, reason="Large debt", latitude=31.2, longitude=121.4)
    assert visit.origin == VisitOrigin.SUPERVISOR


def test_a_second_open_request_is_refused(agent, case):
    visit_request(case=case, actor=agent, reason="first")
    with pytest.raises(Conflict):
        visit_request(case=case, actor=agent, reason="second")


def test_compliance_cannot_request_visits(compliance, case):
    with pytest.raises(VisitNotAllowed):
        visit_request(case=case, actor=compliance, reason="no")


def test_a_closed_case_gets_no_visit(agent, team):
    closed = CaseFactory(stage=Stage.LEGAL, assigned_team=team, account__customer__address="x")
    with pytest.raises(VisitNotAllowed):
        visit_request(case=closed, actor=agent, reason="no")


def test_visits_not_started_are_withdrawn_when_the_case_leaves_collections(case, team, field_agent):
    from tests.visits.conftest import assigned_visit

    requested = make_visit(case)
    legal = CaseFactory(stage=Stage.LEGAL, assigned_team=team)
    assigned = assigned_visit(legal, field_agent)
    on_site = assigned_visit(CaseFactory(stage=Stage.CLOSED, outcome="cured", closed_at=dt.datetime.now(dt.UTC)),
                             field_agent, status="checked_in")
    Case = type(case)
    Case.objects.filter(pk=case.pk).update(stage=Stage.CLOSED, outcome="cured", closed_at=dt.datetime.now(dt.UTC))

    assert visits_withdraw_out_of_collections() == 2
    assert visits_withdraw_out_of_collections() == 0
    statuses = dict(Visit.objects.values_list("pk", "status"))
    assert statuses == {requested.pk: "cancelled", assigned.pk: "cancelled", on_site.pk: "checked_in"}
    assert VisitHistory.objects.get(visit=assigned).from_status == "assigned"


@pytest.mark.parametrize("pause", ["hold", "complaint", "promise", "plan"])
def test_the_policy_requests_no_visit_for_a_case_whose_contact_is_paused(case, team, pause):
    from decimal import Decimal

    from cases.lifecycle import HoldKind
    from cases.models import CaseHold
    from repayment_plans.models import Promise, RepaymentPlan

    paused = CaseFactory(stage=Stage.CONTACT, assigned_team=team)
    # Written straight into the tables, as a pause that came before its contact was scheduled would stand.
    if pause in ("hold", "complaint"):
        CaseHold.objects.create(case=paused, kind=HoldKind.DECEASED if pause == "hold" else HoldKind.COMPLAINT,
                                reason="x", placed_by_label="x")
    elif pause == "promise":
        Promise.objects.create(case=paused, amount=Decimal("10.00"), currency="CNY", channel="call",
                               due_date=dt.date.today() + dt.timedelta(days=3), taken_by_label="agent")
    else:
        RepaymentPlan.objects.create(case=paused, kind="instalments", status="active", currency="CNY",
                                     owed_principal=Decimal("100"), owed_interest=Decimal("0"), owed_fees=Decimal("0"),
                                     owed_penalty=Decimal("0"), waived_amount=Decimal("0"), total=Decimal("100"),
                                     instalment_count=2,
                                     first_due_date=dt.date.today(), months=2, proposed_by_label="agent")
    waiting = policy_visit(paused)
    policy_visit(case)
    assert visits_from_escalation() == 1
    assert list(Visit.objects.values_list("case_id", flat=True)) == [case.pk]
    waiting.refresh_from_db()
    assert waiting.status == ContactStatus.SCHEDULED  # it waits for the pause to end
