"""A cardholder with several open cases is called no more often than one with a single case."""

import datetime as dt

import pytest

from cases.lifecycle import Outcome, Stage
from cases.services import case_transition
from contacts.models import AttemptResult, Channel, ContactAttempt, ContactStatus, ScheduledContact
from contacts.services import contact_attempt_log
from core.actors import SYSTEM
from escalation.models import EscalationPending
from escalation.services import escalation_chunk_run, escalation_pass_run
from tests.escalation.helpers import AS_OF, case_at_dpd, rules_of
from tests.factories import CustomerFactory


def days(n):
    return dt.timedelta(days=n)


def _cards(*dpds):
    """One cardholder's cases, days past due as given, oldest case first."""
    customer = CustomerFactory(timezone="Asia/Shanghai")
    return [case_at_dpd(dpd, customer=customer) for dpd in dpds]


def _pending_calls(cases):
    return list(ScheduledContact.objects.filter(case__in=cases, channel=Channel.CALL, status=ContactStatus.SCHEDULED)
                .values_list("case_id", flat=True))


@pytest.mark.django_db
def test_a_cardholder_with_three_cases_gets_one_call_task_across_them():
    cases = _cards(35, 40, 50)  # all three in T3: a call task every day
    summary = escalation_pass_run(as_of=AS_OF)
    assert summary.scheduled["call"] == 1 and summary.carried == 2
    assert _pending_calls(cases) == [cases[0].pk]
    # The other contacts of each card are its own.
    assert all("T3.notice_letter" in rules_of(case) for case in cases)
    # Unworked, it waits in the queue; the next days bring no second task for the cardholder.
    for n in (1, 2):
        escalation_pass_run(as_of=AS_OF + days(n))
        assert _pending_calls(cases) == [cases[0].pk]


@pytest.mark.django_db
def test_a_cardholder_with_one_case_keeps_their_call_task():
    single = case_at_dpd(40)
    several = _cards(40, 40)
    summary = escalation_pass_run(as_of=AS_OF)
    assert summary.scheduled["call"] == 2 and summary.carried == 1
    assert _pending_calls([single]) == [single.pk]
    assert len(_pending_calls(several)) == 1


@pytest.mark.django_db
def test_the_case_in_the_highest_tier_carries_the_call():
    t2, t3 = _cards(20, 40)
    escalation_pass_run(as_of=AS_OF)
    assert _pending_calls([t2, t3]) == [t3.pk]


@pytest.mark.django_db
def test_a_sibling_looked_at_in_another_chunk_waits_for_the_pending_task():
    cases = _cards(35, 40, 50)
    for case in reversed(cases):  # each in a chunk of its own, the newest first
        escalation_chunk_run(lo=case.pk, hi=case.pk + 1, as_of=AS_OF)
    assert _pending_calls(cases) == [cases[-1].pk]


@pytest.mark.django_db
def test_when_the_task_is_worked_the_next_call_comes_on_the_next_day_on_one_case(agent):
    cases = _cards(35, 40, 50)
    escalation_pass_run(as_of=AS_OF)
    task = ScheduledContact.objects.get(case=cases[0], channel=Channel.CALL)
    worked = AS_OF + dt.timedelta(hours=1)
    contact_attempt_log(case=cases[0], channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER,
                        occurred_at=worked, number="13800138000", scheduled_contact=task, now=worked)
    # The attempt marks every open case of the cardholder...
    assert set(EscalationPending.objects.values_list("case_id", flat=True)) == {case.pk for case in cases}
    # ...and the call made today rests them all until tomorrow.
    same_day = escalation_pass_run(as_of=worked + dt.timedelta(hours=1))
    assert same_day.cases_evaluated == 3 and "call" not in same_day.scheduled
    assert _pending_calls(cases) == []
    assert escalation_pass_run(as_of=AS_OF + days(1)).scheduled["call"] == 1
    assert len(_pending_calls(cases)) == 1


@pytest.mark.django_db
def test_a_sibling_takes_the_call_when_the_carrying_case_closes():
    cases = _cards(35, 40)
    escalation_pass_run(as_of=AS_OF)
    carrier = cases[0]
    carrier.refresh_from_db()
    case_transition(case=carrier, to=Stage.CLOSED, outcome=Outcome.CURED, actor=SYSTEM, reason="Paid in full.")
    escalation_pass_run(as_of=AS_OF + days(1))
    assert _pending_calls(cases) == [cases[1].pk]


@pytest.mark.django_db
def test_failed_calls_on_any_of_the_cardholders_cases_count_towards_the_field_visit():
    t2, t3 = _cards(20, 35)
    escalation_pass_run(as_of=AS_OF)
    for n in (3, 2, 1):
        ContactAttempt.objects.create(case=t2, channel=Channel.CALL, occurred_at=AS_OF - days(n),
                                      result=AttemptResult.NO_ANSWER, actor_label="agent")
    escalation_pass_run(as_of=AS_OF + dt.timedelta(hours=1))
    assert rules_of(t3).count("T3.visit") == 1
