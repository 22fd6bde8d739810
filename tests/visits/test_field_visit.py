import datetime as dt
from decimal import Decimal

import pytest

from cases.lifecycle import HoldKind, Stage
from cases.services import case_hold_place
from contacts.models import AttemptResult, Channel, ContactAttempt, ContactStatus, ScheduledContact
from contacts.services import ContactNotPermitted
from core.errors import Conflict, DomainError
from events.models import Event, EventType
from tests.visits.conftest import DAY, SH, assigned_visit
from visits.models import NextStep, Visit, VisitReport, VisitStatus
from visits.services import VisitNotAllowed, visit_check_in, visit_complete

pytestmark = pytest.mark.django_db
MET = {"outcome": "met_cardholder", "identity_method": "id_card", "amount_confirmed": True,
       "delinquency_reason": "Lost job", "willingness": "willing", "attitude": "cooperative"}


@pytest.fixture
def visit(case, field_agent):
    return assigned_visit(case, field_agent)


def checked_in(visit, agent):
    return visit_check_in(visit=visit, actor=agent, latitude=Decimal("31.19"), longitude=Decimal("121.43"))


def test_check_in_records_the_time_and_coordinates(morning, visit, field_agent):
    checked_in(visit, field_agent)
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CHECKED_IN
    assert visit.checked_in_at == morning
    assert visit.check_in_latitude == Decimal("31.190000")


def test_no_check_in_outside_contact_hours(time_machine, visit, field_agent):
    time_machine.move_to(dt.datetime(2030, 3, 5, 21, 30, tzinfo=SH), tick=False)
    with pytest.raises(ContactNotPermitted):
        checked_in(visit, field_agent)


def test_no_check_in_while_a_hold_applies(morning, visit, field_agent, supervisor, case):
    # The hold withdraws the assigned visit at once; a check-in from a page loaded before then is refused.
    case_hold_place(case=case, kind=HoldKind.DECEASED, actor=supervisor, reason="Reported by family",
                    evidence_reference="DC-1")
    with pytest.raises(Conflict, match="(?i)cancelled"):
        checked_in(visit, field_agent)


def test_another_field_agent_cannot_check_in(morning, visit, other_field_agent):
    with pytest.raises(VisitNotAllowed):
        checked_in(visit, other_field_agent)


def test_a_promise_on_a_visit_moves_the_case_to_follow_up(morning, visit, field_agent, case):
    ScheduledContact.objects.create(case=case, channel=Channel.VISIT, due_at=morning, idempotency_key="k",
                                    rule="T4.visit")
    Visit.objects.filter(pk=visit.pk).update(scheduled_contact=ScheduledContact.objects.get())
    visit.refresh_from_db()
    checked_in(visit, field_agent)
    visit_complete(visit=visit, actor=field_agent, report=MET | {
        "next_step": NextStep.PROMISE, "promise_amount": Decimal("2000.00"), "promise_date": DAY})

    visit.refresh_from_db()
    case.refresh_from_db()
    assert (visit.status, visit.outcome) == (VisitStatus.COMPLETED, "met_cardholder")
    assert case.stage == Stage.FOLLOW_UP
    report = VisitReport.objects.get(visit=visit)
    assert (report.promise_amount, report.promise_currency, report.promise_date) == (Decimal("2000.00"), "CNY", DAY)
    event = Event.objects.get(type=EventType.PROMISE_TAKEN)
    assert event.payload["amount"] == "2000.00" and event.payload["channel"] == "visit"
    attempt = ContactAttempt.objects.get(case=case)
    assert (attempt.channel, attempt.result) == (Channel.VISIT, AttemptResult.PROMISE)
    assert ScheduledContact.objects.get().status == ContactStatus.DONE


def test_nothing_is_promised_through_a_third_party(morning, visit, field_agent, case):
    checked_in(visit, field_agent)
    with pytest.raises(DomainError) as refused:
        visit_complete(visit=visit, actor=field_agent, report={
            "outcome": "third_party", "next_step": NextStep.PROMISE, "promise_amount": Decimal("10"),
            "promise_date": DAY})
    assert refused.value.code == "cardholder_not_met"


def test_a_promise_needs_an_amount_and_a_date(morning, visit, field_agent):
    checked_in(visit, field_agent)
    with pytest.raises(DomainError, match="positive amount"):
        visit_complete(visit=visit, actor=field_agent, report=MET | {"next_step": NextStep.PROMISE,
                                                                      "promise_date": DAY})
    with pytest.raises(DomainError, match="date"):
        visit_complete(visit=visit, actor=field_agent, report=MET | {
            "next_step": NextStep.PROMISE, "promise_amount": Decimal("10"), "promise_date": DAY - dt.timedelta(1)})


def test_interest_in_a_plan_moves_the_case_to_negotiate(morning, visit, field_agent, case):
    checked_in(visit, field_agent)
    visit_complete(visit=visit, actor=field_agent, report=MET | {"next_step": NextStep.PLAN, "plan_interest": True})
    case.refresh_from_db()
    assert case.stage == Stage.NEGOTIATE


def test_not_at_home_with_another_visit_requests_one(morning, visit, field_agent, case):
    checked_in(visit, field_agent)
    visit_complete(visit=visit, actor=field_agent, report={"outcome": "not_at_home",
                                                           "next_step": NextStep.ANOTHER_VISIT})
    follow_up = Visit.objects.exclude(pk=visit.pk).get(case=case)
    assert follow_up.status == VisitStatus.REQUESTED and follow_up.address == visit.address
    assert ContactAttempt.objects.get(case=case).result == AttemptResult.NO_ANSWER
    case.refresh_from_db()
    assert case.stage == Stage.CONTACT


def test_a_legal_review_recommendation_is_a_task_for_the_supervisor(morning, visit, field_agent, supervisor, case):
    checked_in(visit, field_agent)
    visit_complete(visit=visit, actor=field_agent, report=MET | {"willingness": "refuses",
                                                                  "next_step": NextStep.LEGAL_REVIEW})
    review = ScheduledContact.objects.get(case=case, channel=Channel.LEGAL_REVIEW)
    assert review.assigned_to == supervisor and review.status == ContactStatus.SCHEDULED
    assert ContactAttempt.objects.get(case=case).result == AttemptResult.REFUSED


def test_a_visit_is_reported_only_after_check_in(morning, visit, field_agent):
    with pytest.raises(VisitNotAllowed):
        visit_complete(visit=visit, actor=field_agent, report=MET)


def test_the_two_agents_of_a_visit_cannot_both_report_it(morning, case, field_agent, other_field_agent):
    visit = assigned_visit(case, field_agent, second_agent=other_field_agent)
    checked_in(visit, field_agent)
    seen_by_second = Visit.objects.get(pk=visit.pk)
    visit_complete(visit=visit, actor=field_agent, report={"outcome": "not_at_home"})
    with pytest.raises(Conflict):
        visit_complete(visit=seen_by_second, actor=other_field_agent, report={"outcome": "moved"})
    assert VisitReport.objects.get(visit=visit).outcome == "not_at_home"
