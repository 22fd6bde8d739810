"""The pass and the confirm checks: a case that fails one waits in confirm, uncontacted, on the supervisors'
exceptions list; each fix there lets the next pass place it in plan."""

import datetime as dt
from decimal import Decimal

import pytest

from cases.confirm import case_account_check_request, case_amounts_confirm, confirm_exceptions
from cases.lifecycle import ConfirmCheck, Stage
from cases.models import Case, ContactPointKind, ContactPointSource, StageHistory
from complaints.models import Category
from complaints.models import Channel as ComplaintChannel
from contacts.models import ScheduledContact
from escalation.exceptions import confirm_exception_contact_point_add, confirm_exception_dispute_open
from escalation.models import EscalationPending
from escalation.services import escalation_pass_run
from events.models import Event, EventType
from tests.escalation.helpers import AS_OF, case_at_dpd
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
LATER = AS_OF + dt.timedelta(hours=1)


def unreachable(dpd=3):
    return case_at_dpd(dpd, customer=CustomerFactory(phone="", email="", address=""))


def stage_of(case) -> str:
    return Case.objects.get(pk=case.pk).stage


def test_a_case_failing_a_check_stays_in_confirm_uncontacted_and_on_the_list():
    failing, passing = unreachable(), case_at_dpd(3)
    summary = escalation_pass_run(as_of=AS_OF)
    assert summary.failing_confirm == 1 and summary.moved_to_plan == 1
    assert (stage_of(failing), stage_of(passing)) == (Stage.CONFIRM, Stage.PLAN)
    assert not ScheduledContact.objects.filter(case=failing).exists()
    assert list(confirm_exceptions()) == [Case.objects.get(pk=failing.pk)]
    assert Case.objects.get(pk=failing.pk).confirm_exceptions == [ConfirmCheck.CONTACT_POINT]
    # Nothing changes for it until something does: the next pass does not look at it again.
    assert escalation_pass_run(as_of=LATER).cases_evaluated == 0


def test_nothing_overdue_keeps_a_case_in_confirm():
    case = case_at_dpd(3, total=Decimal("0"))
    escalation_pass_run(as_of=AS_OF)
    assert stage_of(case) == Stage.CONFIRM
    assert Case.objects.get(pk=case.pk).confirm_exceptions == [ConfirmCheck.AMOUNTS]


def test_adding_the_missing_contact_point_lets_the_next_pass_place_the_case_in_plan(supervisor):
    case = unreachable()
    escalation_pass_run(as_of=AS_OF)
    case.refresh_from_db()
    still = confirm_exception_contact_point_add(
        case=case, actor=supervisor, kind=ContactPointKind.MOBILE, phone="13900139000",
        source=ContactPointSource.CARDHOLDER, source_note="The cardholder called in.")
    assert still == [] and not confirm_exceptions().exists()
    assert EscalationPending.objects.filter(case=case).exists()
    summary = escalation_pass_run(as_of=LATER)
    assert summary.moved_to_plan == 1 and stage_of(case) == Stage.PLAN
    assert ScheduledContact.objects.filter(case=case).exists()
    history = StageHistory.objects.get(case=case, to_stage=Stage.PLAN)
    assert history.from_stage == Stage.CONFIRM


def test_confirming_the_amounts_marks_the_case_and_the_next_pass_places_it(supervisor):
    case = case_at_dpd(3, total=Decimal("0"))
    escalation_pass_run(as_of=AS_OF)
    case.refresh_from_db()
    case_amounts_confirm(case=case, actor=supervisor, note="Confirmed with the card centre.")
    assert EscalationPending.objects.filter(case=case).exists()
    escalation_pass_run(as_of=LATER)
    assert stage_of(case) == Stage.PLAN


def test_registering_a_dispute_keeps_the_case_in_confirm_on_the_dispute(supervisor):
    case = case_at_dpd(3, total=Decimal("0"))
    escalation_pass_run(as_of=AS_OF)
    case.refresh_from_db()
    still = confirm_exception_dispute_open(case=case, actor=supervisor, channel=ComplaintChannel.PHONE,
                                           category=Category.AMOUNT, description="Says the balance was repaid.")
    assert still == [ConfirmCheck.AMOUNTS, ConfirmCheck.DISPUTE]
    escalation_pass_run(as_of=LATER)
    assert stage_of(case) == Stage.CONFIRM and not ScheduledContact.objects.filter(case=case).exists()


def test_asking_the_core_system_keeps_the_case_waiting_and_a_new_snapshot_marks_it(supervisor):
    case = case_at_dpd(3, total=Decimal("0"))
    escalation_pass_run(as_of=AS_OF)
    case.refresh_from_db()
    case_account_check_request(case=case, actor=supervisor, note="Zero balance reported as delinquent.")
    assert Event.objects.filter(case=case, type=EventType.ACCOUNT_CHECK_REQUESTED).exists()
    assert stage_of(case) == Stage.CONFIRM and not EscalationPending.objects.filter(case=case).exists()
    # The core system answers with the amounts: the case is marked, and the pass places it.
    Case.objects.filter(pk=case.pk).update(principal_overdue=Decimal("800.00"))
    assert EscalationPending.objects.filter(case=case).exists()
    escalation_pass_run(as_of=LATER)
    assert stage_of(case) == Stage.PLAN
