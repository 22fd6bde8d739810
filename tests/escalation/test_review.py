import pytest

from cases.lifecycle import Stage
from contacts.models import Channel, ContactStatus, ScheduledContact
from escalation.review import legal_review_accept, legal_review_decline
from escalation.services import escalation_pass_run
from events.models import Event, EventType
from tests.escalation.helpers import AS_OF, case_at_dpd


@pytest.fixture
def review(team, supervisor):
    case = case_at_dpd(100, assigned_team=team, stage=Stage.CONTACT)
    escalation_pass_run(as_of=AS_OF)
    return ScheduledContact.objects.get(case=case, channel=Channel.LEGAL_REVIEW)


@pytest.fixture
def review_in_plan(team, supervisor):
    """A case reported at 100 days past due: the pass places it and asks for the review in the same run."""
    case = case_at_dpd(100, assigned_team=team)
    escalation_pass_run(as_of=AS_OF)
    case.refresh_from_db()
    assert case.stage == Stage.PLAN
    return ScheduledContact.objects.get(case=case, channel=Channel.LEGAL_REVIEW)


@pytest.mark.django_db
def test_accepting_the_review_refers_the_case_to_legal_and_emits_the_referral(review, supervisor):
    case = legal_review_accept(contact=review, actor=supervisor, reason="No payment in 100 days; assets found.")
    assert case.stage == Stage.LEGAL
    assert Event.objects.filter(case=case, type=EventType.LEGAL_REFERRAL).count() == 1
    review.refresh_from_db()
    assert review.status == ContactStatus.DONE and review.trail[-1]["note"].startswith("accepted")


@pytest.mark.django_db
def test_declining_the_review_keeps_the_case_in_collections(review, supervisor):
    legal_review_decline(contact=review, actor=supervisor, reason="Cardholder is negotiating.")
    review.refresh_from_db()
    assert review.status == ContactStatus.DONE and review.case.stage == Stage.CONTACT
    assert not Event.objects.filter(type=EventType.LEGAL_REFERRAL).exists()


@pytest.mark.django_db
def test_an_agent_cannot_decide_a_review(review, agent):
    with pytest.raises(Exception, match="supervisor or manager"):
        legal_review_accept(contact=review, actor=agent, reason="Let's sue.")
    review.refresh_from_db()
    assert review.status == ContactStatus.SCHEDULED


@pytest.mark.django_db
def test_a_review_is_decided_once(review, supervisor):
    legal_review_decline(contact=review, actor=supervisor, reason="Not yet.")
    with pytest.raises(Exception, match="already done"):
        legal_review_accept(contact=review, actor=supervisor, reason="Changed my mind.")


@pytest.mark.django_db
def test_a_review_of_a_case_closed_meanwhile_cannot_be_accepted(review, supervisor):
    from cases.lifecycle import Outcome
    from cases.services import case_transition
    from core.actors import SYSTEM

    case_transition(case=review.case, to=Stage.CLOSED, outcome=Outcome.CURED, actor=SYSTEM, reason="Paid.")
    review.refresh_from_db()
    assert review.status == "cancelled" and review.trail[-1]["cause"] == "closed"
    with pytest.raises(Exception, match="already cancelled"):
        legal_review_accept(contact=review, actor=supervisor, reason="Too late.")


@pytest.mark.django_db
def test_accepting_the_review_opens_the_litigation_record_and_stops_planned_contact(review, supervisor):
    from litigation.models import LitigationRecord

    call = ScheduledContact.objects.create(case=review.case, channel=Channel.SMS, due_at=review.due_at,
                                           idempotency_key="pending-sms")
    case = legal_review_accept(contact=review, actor=supervisor, reason="Assets found.")
    record = LitigationRecord.objects.get(case=case)
    assert record.is_open and record.claim_amount == case.total_overdue and record.currency == case.currency
    assert record.opened_by == supervisor
    call.refresh_from_db()
    assert call.status == ContactStatus.CANCELLED and call.trail[-1]["cause"] == "legal"


@pytest.mark.django_db
def test_a_case_nobody_has_contacted_yet_is_not_referred_and_its_review_waits(review_in_plan, supervisor):
    from cases.models import StageHistory

    with pytest.raises(Exception, match="No contact has been made on this case yet"):
        legal_review_accept(contact=review_in_plan, actor=supervisor, reason="Assets found.")
    review_in_plan.refresh_from_db()
    assert review_in_plan.status == ContactStatus.SCHEDULED and review_in_plan.case.stage == Stage.PLAN
    # No move to contact is written for a contact that never happened.
    assert list(StageHistory.objects.filter(case=review_in_plan.case).values_list("to_stage", flat=True)
                .order_by("id")) == [Stage.PLAN]
    assert not Event.objects.filter(type=EventType.LEGAL_REFERRAL).exists()


@pytest.mark.django_db
def test_once_a_contact_is_made_the_waiting_review_refers_the_case(review_in_plan, supervisor, agent):
    from cases.models import StageHistory
    from contacts.models import AttemptResult
    from contacts.services import contact_attempt_log

    case = review_in_plan.case
    contact_attempt_log(case=case, channel=Channel.CALL, result=AttemptResult.NO_ANSWER, actor=agent,
                        occurred_at=AS_OF, now=AS_OF, number=case.account.customer.phone)
    case = legal_review_accept(contact=review_in_plan, actor=supervisor, reason="No answer; assets found.")
    assert case.stage == Stage.LEGAL
    moves = list(StageHistory.objects.filter(case=case).order_by("id").values_list("to_stage", "actor_label"))
    assert moves == [(Stage.PLAN, "system"), (Stage.CONTACT, "agent"), (Stage.LEGAL, "supervisor")]
