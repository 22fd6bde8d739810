"""The pass looks only at cases with something due or something changed.

Triggers mark a case in EscalationPending when an input of the pass changes; CaseEscalation.next_due_at
says when time alone brings a case something new. Every other case is left alone.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cases.lifecycle import HoldKind, Outcome, Stage
from cases.models import Case
from cases.services import case_hold_place, case_hold_release, case_transition
from contacts.models import AttemptResult, Channel, ContactAttempt, ContactStatus, ScheduledContact
from core.actors import SYSTEM
from escalation import services
from escalation.models import CaseEscalation, EscalationPending, Policy
from escalation.policy import policy_definition, policy_version_publish
from escalation.services import escalation_chunk_run, escalation_pass_run, escalation_ranges
from tests.escalation.helpers import AS_OF, SH, case_at_dpd, rules_of

NY = ZoneInfo("America/New_York")


def days(n):
    return dt.timedelta(days=n)


def marked(case) -> bool:
    return EscalationPending.objects.filter(case=case).exists()


def local_midnight(day: dt.date, zone=SH) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


@pytest.mark.django_db
def test_a_new_case_is_marked_and_the_pass_clears_the_mark_and_records_its_next_cadence_day():
    case = case_at_dpd(1)
    assert marked(case)
    escalation_pass_run(as_of=AS_OF)
    assert not marked(case)
    # T1 sends an SMS every 5 days from DPD 1: the next one is due on DPD 6, from local midnight.
    placed = CaseEscalation.objects.get(case=case)
    assert placed.next_due_at == local_midnight(case.overdue_since + days(6))


@pytest.mark.django_db
def test_the_next_due_moment_is_local_midnight_in_the_cardholders_zone():
    case = case_at_dpd(3, zone="America/New_York")
    escalation_pass_run(as_of=AS_OF)
    # T1 texts every 5 days: the first SMS goes at DPD 3, so the next is due on DPD 8, midnight in New York.
    assert CaseEscalation.objects.get(case=case).next_due_at == local_midnight(case.overdue_since + days(8), NY)


@pytest.mark.django_db
def test_the_next_due_moment_is_the_tier_boundary_when_it_comes_first():
    case = case_at_dpd(14)
    escalation_pass_run(as_of=AS_OF)
    # The next SMS would be DPD 16, but T1 ends at DPD 15: on DPD 16 the case enters T2.
    assert CaseEscalation.objects.get(case=case).next_due_at == local_midnight(case.overdue_since + days(16))


@pytest.mark.django_db
def test_a_case_with_nothing_more_by_time_has_no_next_due_moment(team, supervisor):
    case = case_at_dpd(95, assigned_team=team)
    escalation_pass_run(as_of=AS_OF)
    assert CaseEscalation.objects.get(case=case).next_due_at is None
    assert escalation_pass_run(as_of=AS_OF + days(30)).cases_evaluated == 0


@pytest.mark.django_db
def test_the_pass_looks_at_a_case_again_only_on_its_next_cadence_day():
    case = case_at_dpd(1)
    escalation_pass_run(as_of=AS_OF)
    quiet = [escalation_pass_run(as_of=AS_OF + days(n)).cases_evaluated for n in (1, 2, 3, 4)]
    due = escalation_pass_run(as_of=AS_OF + days(5))
    assert quiet == [0, 0, 0, 0]
    assert due.cases_evaluated == 1 and due.scheduled == {"sms": 1}
    assert rules_of(case) == ["T1.sms", "T1.sms"]


@pytest.mark.django_db
def test_a_pass_with_nothing_due_has_no_chunks():
    for dpd in (1, 20, 40, 70, 100):
        case_at_dpd(dpd)
    escalation_pass_run(as_of=AS_OF)
    assert escalation_ranges(as_of=AS_OF + dt.timedelta(minutes=15)) == []


@pytest.mark.django_db
def test_chunks_cover_only_the_cases_to_look_at():
    cases = [case_at_dpd(dpd) for dpd in (1, 100, 100, 100, 1, 100, 1)]
    escalation_pass_run(as_of=AS_OF)
    # Five days on, only the three T1 cases have an SMS due; the T5 cases have nothing more by time.
    ranges = escalation_ranges(as_of=AS_OF + days(5), chunk_size=2)
    t1 = [cases[0].pk, cases[4].pk, cases[6].pk]
    assert ranges == [(t1[0], t1[1] + 1), (t1[2], t1[2] + 1)]


@pytest.mark.django_db
def test_a_hold_marks_the_case_and_its_release_brings_it_back():
    case = case_at_dpd(20)
    escalation_pass_run(as_of=AS_OF)
    hold = case_hold_place(case=case, kind=HoldKind.DISPUTE, actor=SYSTEM, reason="Disputes the fees.")
    assert marked(case)
    # The hold cancelled the call task itself; the pass finds nothing left to cancel.
    assert ScheduledContact.objects.get(case=case).status == ContactStatus.CANCELLED
    on_hold = escalation_pass_run(as_of=AS_OF + dt.timedelta(hours=1))
    assert on_hold.cancelled == 0 and on_hold.cases_evaluated == 0 and not marked(case)
    assert CaseEscalation.objects.get(case=case).next_due_at is None  # parked: time alone brings nothing
    assert escalation_pass_run(as_of=AS_OF + days(2)).cases_evaluated == 0
    case_hold_release(hold=hold, actor=SYSTEM, reason="Fees explained.")
    assert marked(case)
    back = escalation_pass_run(as_of=AS_OF + days(2))
    assert back.cases_evaluated == 1 and back.scheduled == {"call": 1}


@pytest.mark.django_db
def test_an_amount_crossing_the_large_threshold_marks_the_case_and_moves_it_up_a_tier():
    case = case_at_dpd(20, total=Decimal("10000.00"))
    escalation_pass_run(as_of=AS_OF)
    Case.objects.filter(pk=case.pk).update(principal_overdue=Decimal("12000.00"))
    assert not marked(case)  # still below 50,000: nothing the pass reads changed
    Case.objects.filter(pk=case.pk).update(principal_overdue=Decimal("60000.00"))
    assert marked(case)
    summary = escalation_pass_run(as_of=AS_OF + dt.timedelta(hours=1))
    assert summary.tier_changes == 1 and CaseEscalation.objects.get(case=case).tier_code == "T3"


@pytest.mark.django_db
def test_a_new_overdue_date_marks_the_case():
    case = case_at_dpd(20)
    escalation_pass_run(as_of=AS_OF)
    Case.objects.filter(pk=case.pk).update(overdue_since=case.overdue_since - days(20))
    assert marked(case)
    escalation_pass_run(as_of=AS_OF + dt.timedelta(hours=1))
    assert CaseEscalation.objects.get(case=case).tier_code == "T3"


@pytest.mark.django_db
def test_an_email_on_file_marks_the_case_for_its_email_reminder():
    case = case_at_dpd(1)
    escalation_pass_run(as_of=AS_OF)
    customer = case.account.customer
    customer.email = "zhao@example.com"
    customer.save()
    assert marked(case)
    escalation_pass_run(as_of=AS_OF + dt.timedelta(hours=1))
    assert rules_of(case) == ["T1.email", "T1.sms"]


@pytest.mark.django_db
def test_a_call_attempt_marks_the_case():
    case = case_at_dpd(35)
    escalation_pass_run(as_of=AS_OF)
    ContactAttempt.objects.create(case=case, channel=Channel.CALL, occurred_at=AS_OF, result=AttemptResult.NO_ANSWER,
                                  actor_label="agent")
    assert marked(case)


@pytest.mark.django_db
def test_moves_within_the_policys_stages_do_not_mark_but_leaving_them_does():
    case = case_at_dpd(20)
    escalation_pass_run(as_of=AS_OF)  # confirm -> plan, by the pass itself
    assert not marked(case)
    case.refresh_from_db()
    case_transition(case=case, to=Stage.CONTACT, actor=SYSTEM, reason="First contact made.")
    assert not marked(case)
    case_transition(case=case, to=Stage.NEGOTIATE, actor=SYSTEM, reason="Talking about a plan.")
    assert marked(case)
    escalation_pass_run(as_of=AS_OF + dt.timedelta(hours=1))
    assert CaseEscalation.objects.get(case=case).next_due_at is None
    assert escalation_pass_run(as_of=AS_OF + days(4)).cases_evaluated == 0


@pytest.mark.django_db
def test_closing_a_case_marks_it_and_cancels_its_pending_contacts_before_the_pass():
    case = case_at_dpd(20)
    escalation_pass_run(as_of=AS_OF)
    case.refresh_from_db()
    case_transition(case=case, to=Stage.CLOSED, outcome=Outcome.CURED, actor=SYSTEM, reason="Paid in full.")
    assert marked(case)
    assert ScheduledContact.objects.get(case=case).status == ContactStatus.CANCELLED
    summary = escalation_pass_run(as_of=AS_OF + dt.timedelta(hours=1))
    assert summary.cancelled == 0 and not marked(case)


@pytest.mark.django_db
def test_a_new_policy_version_brings_every_case_under_it_even_those_with_nothing_due(team, supervisor):
    quiet = case_at_dpd(95, assigned_team=team)
    reminder = case_at_dpd(3)
    escalation_pass_run(as_of=AS_OF)
    policy = Policy.objects.get(is_default=True)
    definition = policy_definition(version=policy.versions.get(number=1))
    definition["tiers"][4]["actions"].append({"code": "T5.letter", "channel": "letter", "cadence": "once"})
    new = policy_version_publish(policy=policy, effective_from=AS_OF + days(1), definition=definition,
                                 actor=SYSTEM, note="A letter with the legal review.")
    summary = escalation_pass_run(as_of=AS_OF + days(1))
    assert summary.cases_evaluated == 2
    assert "T5.letter" in rules_of(quiet) and "T5.letter" not in rules_of(reminder)
    assert set(CaseEscalation.objects.values_list("policy_version", flat=True)) == {new.pk}
    assert escalation_pass_run(as_of=AS_OF + days(1) + dt.timedelta(minutes=15)).cases_evaluated == 0


@pytest.mark.django_db
def test_a_case_before_its_first_tier_waits_marked_until_the_day_it_reaches_one():
    case = case_at_dpd(0, zone="America/New_York")
    assert escalation_pass_run(as_of=AS_OF).scheduled == {}
    waiting = EscalationPending.objects.get(case=case)
    assert waiting.not_before == local_midnight(case.overdue_since + days(1), NY)
    assert escalation_ranges(as_of=waiting.not_before - dt.timedelta(minutes=1)) == []
    assert escalation_pass_run(as_of=waiting.not_before).scheduled == {"sms": 1}
    assert not marked(case)


@pytest.mark.django_db
def test_a_new_mark_ends_the_wait():
    case = case_at_dpd(0)
    escalation_pass_run(as_of=AS_OF)
    Case.objects.filter(pk=case.pk).update(overdue_since=case.overdue_since - days(3))
    assert EscalationPending.objects.get(case=case).not_before is None
    assert escalation_pass_run(as_of=AS_OF + dt.timedelta(minutes=15)).scheduled == {"sms": 1}


@pytest.mark.django_db
def test_a_mark_renewed_while_a_chunk_runs_is_kept_for_the_next_pass(monkeypatch):
    case = case_at_dpd(3)
    contact_rows = services._contact_rows

    def renew_then_build(due, **kwargs):
        # A change lands after the chunk read the marks: the trigger gives the case a new mark.
        Case.objects.filter(pk=case.pk).update(overdue_since=case.overdue_since - days(1))
        return contact_rows(due, **kwargs)

    monkeypatch.setattr(services, "_contact_rows", renew_then_build)
    escalation_chunk_run(lo=case.pk, hi=case.pk + 1, as_of=AS_OF)
    assert marked(case)
    monkeypatch.undo()
    assert escalation_pass_run(as_of=AS_OF + dt.timedelta(minutes=15)).cases_evaluated == 1
    assert not marked(case)
