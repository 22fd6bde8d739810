import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.lifecycle import Outcome, Stage
from cases.models import StageHistory
from core.errors import Conflict, DomainError
from events.models import Event, EventType
from litigation.models import Ending, MilestoneKind
from litigation.services import (
    litigation_judgment_paid,
    litigation_settle_in_court,
    litigation_uncollectable,
    litigation_withdraw,
    milestone_record,
)
from repayment_plans.models import PlanStatus
from repayment_plans.plans import plan_accept_with_signed_copy
from tests.repayment_plans.helpers import propose

PDF = b"%PDF-1.4\n%%EOF\n"

TODAY = timezone.localdate


def history(case):
    return list(StageHistory.objects.filter(case=case).order_by("id").values_list("from_stage", "to_stage", "outcome"))


def closed_milestone(record):
    return record.milestones.get(kind=MilestoneKind.CLOSED)


@pytest.mark.django_db
def test_judgment_paid_closes_the_case_as_settled(record, legal_officer):
    milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.JUDGMENT, on=TODAY(),
                     amount=Decimal("10225.50"))
    case = litigation_judgment_paid(record=record, actor=legal_officer, on=TODAY())
    assert (case.stage, case.outcome) == (Stage.CLOSED, Outcome.SETTLED)
    assert history(case)[-1] == (Stage.LEGAL, Stage.CLOSED, Outcome.SETTLED)
    record.refresh_from_db()
    assert record.ending == Ending.JUDGMENT_PAID and record.closed_at is not None
    assert closed_milestone(record).ending == Ending.JUDGMENT_PAID
    assert Event.objects.filter(case=case, type=EventType.CASE_CLOSED, payload__outcome=Outcome.SETTLED).exists()


@pytest.mark.django_db
def test_withdrawn_goes_back_to_contact_with_its_reason(record, legal_officer):
    with pytest.raises(DomainError):
        litigation_withdraw(record=record, actor=legal_officer, reason=" ")
    case = litigation_withdraw(record=record, actor=legal_officer, reason="The cardholder paid the lawyer's demand.")
    assert case.stage == Stage.CONTACT
    assert StageHistory.objects.filter(case=case, to_stage=Stage.CONTACT).last().reason == (
        "The cardholder paid the lawyer's demand.")
    record.refresh_from_db()
    assert record.ending == Ending.WITHDRAWN and closed_milestone(record).note.startswith("The cardholder")


@pytest.mark.django_db
def test_settled_in_court_goes_to_negotiate_and_the_settlements_plan_is_followed_up(record, legal_officer,
                                                                                      supervisor):
    case = litigation_settle_in_court(record=record, actor=legal_officer, on=TODAY(), note="调解书 mediation")
    assert case.stage == Stage.NEGOTIATE and history(case)[-1] == (Stage.LEGAL, Stage.NEGOTIATE, "")
    record.refresh_from_db()
    assert record.ending == Ending.SETTLED_IN_COURT and not record.is_open
    plan = propose(case, supervisor, count=6, at=timezone.now(), first=TODAY() + dt.timedelta(days=30))
    assert plan.status == PlanStatus.APPROVED
    plan = plan_accept_with_signed_copy(plan=plan, upload=SimpleUploadedFile("signed.pdf", PDF), actor=supervisor)
    case.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and case.stage == Stage.FOLLOW_UP


@pytest.mark.django_db
def test_uncollectable_is_recorded_and_handed_to_the_write_off_proposal(record, legal_officer):
    with mock.patch("litigation.services.write_off_proposal_raise") as raise_proposal:
        milestone = litigation_uncollectable(record=record, actor=legal_officer, on=TODAY(),
                                             reason="No assets found; enforcement ended.")
    raise_proposal.assert_called_once_with(record=record, milestone=milestone, actor=legal_officer,
                                           reason="No assets found; enforcement ended.")
    record.refresh_from_db()
    assert record.is_open and record.case.stage == Stage.LEGAL
    assert record.progress == MilestoneKind.UNCOLLECTABLE
    with pytest.raises(Conflict):
        litigation_uncollectable(record=record, actor=legal_officer, on=TODAY(), reason="again")


@pytest.mark.django_db
def test_a_closed_record_takes_no_more_milestones(record, legal_officer):
    litigation_withdraw(record=record, actor=legal_officer, reason="Withdrawn.")
    with pytest.raises(Conflict):
        milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.FILED, on=TODAY())


@pytest.mark.django_db
def test_a_case_closed_another_way_while_in_litigation_closes_its_record(record, legal_officer):
    from cases.services import case_transition

    case_transition(case=record.case, to=Stage.CLOSED, outcome=Outcome.CURED, actor="core-system",
                    reason="Paid in full.")
    record.refresh_from_db()
    assert not record.is_open and record.ending == Ending.CASE_CLOSED
    assert closed_milestone(record).actor_label == "core-system"
    assert Event.objects.filter(case=record.case, type=EventType.LITIGATION_MILESTONE,
                                payload__ending=Ending.CASE_CLOSED).exists()


@pytest.mark.django_db
def test_uncollectable_raises_a_write_off_proposal_that_waits_for_an_approver(record, legal_officer):
    from repayment_plans.models import WriteOff

    litigation_uncollectable(record=record, actor=legal_officer, on=TODAY(), reason="No assets found.")
    [write_off] = WriteOff.objects.filter(case=record.case)
    # A legal officer has no write-off limit of their own: the proposal waits for a supervisor or manager.
    assert write_off.proposed_by == legal_officer and write_off.decided_at is None
    assert write_off.total == record.case.total_overdue
    record.refresh_from_db()
    assert record.case.stage == Stage.LEGAL and record.progress == MilestoneKind.UNCOLLECTABLE
