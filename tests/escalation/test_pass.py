import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from cases.lifecycle import HoldKind, Outcome, Stage
from cases.models import StageHistory
from cases.services import case_hold_place, case_transition
from contacts.models import AttemptResult, Channel, ContactAttempt, ContactStatus, ScheduledContact, Strategy
from contacts.services import contact_attempt_log, scheduled_contact_cancel
from core.actors import SYSTEM
from escalation.models import CaseEscalation, EscalationPending, Policy
from escalation.policy import case_strategy, policies_in_force, policy_definition, policy_version_publish
from escalation.services import escalation_chunk_run, escalation_pass_run
from events.models import Event, EventType
from tests.escalation.helpers import AS_OF, SH, case_at_dpd, rules_of


def days(n):
    return dt.timedelta(days=n)


@pytest.mark.django_db
def test_the_pass_places_a_case_in_plan_with_history_and_event_and_contact_waits_for_a_contact_made():
    case = case_at_dpd(3)
    summary = escalation_pass_run(as_of=AS_OF)
    case.refresh_from_db()
    assert case.stage == Stage.PLAN
    assert summary.moved_to_plan == 1 and summary.scheduled == {"sms": 1}
    history = StageHistory.objects.get(case=case, to_stage=Stage.PLAN)
    assert (history.from_stage, history.actor_label) == (Stage.CONFIRM, SYSTEM)
    assert Event.objects.filter(case=case, type=EventType.CASE_STAGE_CHANGED, payload__to="plan").exists()
    assert not StageHistory.objects.filter(case=case, to_stage=Stage.CONTACT).exists()


@pytest.mark.django_db
def test_a_contact_records_its_policy_version_rule_strategy_and_governor_trail():
    case = case_at_dpd(20)
    escalation_pass_run(as_of=AS_OF)
    contact = ScheduledContact.objects.get(case=case)
    assert contact.rule == "T2.call" and contact.channel == Channel.CALL
    assert contact.policy_version == policies_in_force(as_of=AS_OF).champion
    assert contact.strategy == Strategy.CHAMPION
    assert contact.trail[0]["allowed"] is True and "hours" in contact.trail[0]["passed"]
    assert contact.idempotency_key == f"{case.pk}:T2.call:2026-11-30"


@pytest.mark.django_db
def test_a_pass_run_twice_schedules_nothing_twice():
    cases = [case_at_dpd(d) for d in (1, 20, 40, 70, 100)]
    first = escalation_pass_run(as_of=AS_OF)
    second = escalation_pass_run(as_of=AS_OF + dt.timedelta(minutes=15))
    assert sum(first.scheduled.values()) == ScheduledContact.objects.count() > len(cases)
    assert sum(second.scheduled.values()) == 0 and second.tier_changes == 0
    # Nothing changed and no cadence day came: the second pass has no case to look at.
    assert first.cases_evaluated == len(cases) and second.cases_evaluated == 0


@pytest.mark.django_db
def test_reminders_repeat_on_their_cadence_only():
    case = case_at_dpd(1)
    for day in range(0, 11):  # DPD 1 to 11: SMS on DPD 1, 6 and 11
        escalation_pass_run(as_of=AS_OF + days(day))
    due_days = sorted(c.due_at.astimezone(SH).date() for c in ScheduledContact.objects.filter(case=case))
    assert due_days == [dt.date(2026, 11, 30), dt.date(2026, 12, 5), dt.date(2026, 12, 10)]


@pytest.mark.django_db
def test_email_is_sent_only_when_one_is_on_file():
    with_email = case_at_dpd(1, email="wang@example.com")
    without = case_at_dpd(1)
    escalation_pass_run(as_of=AS_OF)
    assert rules_of(with_email) == ["T1.email", "T1.sms"]
    assert rules_of(without) == ["T1.sms"]


@pytest.mark.django_db
def test_t3_formal_notice_goes_once_by_email_or_else_by_letter():
    by_email = case_at_dpd(31, email="li@example.com")
    by_letter = case_at_dpd(31)
    escalation_pass_run(as_of=AS_OF)
    escalation_pass_run(as_of=AS_OF + days(1))
    assert rules_of(by_email).count("T3.notice_email") == 1 and "T3.notice_letter" not in rules_of(by_email)
    assert rules_of(by_letter).count("T3.notice_letter") == 1


@pytest.mark.django_db
def test_t3_requests_a_field_visit_after_three_failed_calls_in_fourteen_days(agent):
    case = case_at_dpd(35)
    escalation_pass_run(as_of=AS_OF)
    assert "T3.visit" not in rules_of(case)
    for n in (3, 2, 1):
        ContactAttempt.objects.create(case=case, channel=Channel.CALL, occurred_at=AS_OF - days(n),
                                      result=AttemptResult.NO_ANSWER, actor_label="agent")
    escalation_pass_run(as_of=AS_OF + dt.timedelta(hours=1))
    assert rules_of(case).count("T3.visit") == 1


@pytest.mark.django_db
def test_t5_schedules_one_legal_review_for_the_teams_supervisor(team, supervisor):
    case = case_at_dpd(95, assigned_team=team)
    escalation_pass_run(as_of=AS_OF)
    escalation_pass_run(as_of=AS_OF + days(3))
    review = ScheduledContact.objects.get(case=case)
    assert review.channel == Channel.LEGAL_REVIEW and review.assigned_to == supervisor


@pytest.mark.django_db
def test_a_pass_at_night_schedules_contacts_for_the_next_opening():
    case = case_at_dpd(3, as_of=dt.datetime(2026, 11, 30, 23, 0, tzinfo=SH))
    summary = escalation_pass_run(as_of=dt.datetime(2026, 11, 30, 23, 0, tzinfo=SH))
    contact = ScheduledContact.objects.get(case=case)
    assert contact.status == ContactStatus.SCHEDULED
    assert contact.due_at == dt.datetime(2026, 12, 1, 8, 0, tzinfo=SH)
    assert summary.held_back == {"hours": 1}
    assert contact.trail[-1]["moved_to"] == "2026-12-01T00:00:00+00:00"


@pytest.mark.django_db
def test_cases_on_hold_are_skipped_and_their_pending_contacts_cancelled():
    case = case_at_dpd(20)
    escalation_pass_run(as_of=AS_OF)
    case_hold_place(case=case, kind=HoldKind.COMPLAINT, actor=SYSTEM, reason="Complaint to the regulator.")
    summary = escalation_pass_run(as_of=AS_OF + days(2))
    contact = ScheduledContact.objects.get(case=case)
    assert contact.status == ContactStatus.CANCELLED and contact.trail[-1]["cause"] == "hold"
    assert summary.scheduled == {} and summary.cases_evaluated == 0


@pytest.mark.django_db
def test_the_pass_cancels_the_contacts_of_a_case_held_behind_the_services_back():
    from cases.models import CaseHold

    case = case_at_dpd(20)
    escalation_pass_run(as_of=AS_OF)
    CaseHold.objects.create(case=case, kind=HoldKind.COMPLAINT, reason="Loaded by a data fix.", placed_by_label="x")
    summary = escalation_pass_run(as_of=AS_OF + days(2))
    contact = ScheduledContact.objects.get(case=case)
    assert contact.status == ContactStatus.CANCELLED and contact.trail[-1]["reason"] == "case on hold"
    assert summary.cancelled == 1 and summary.cases_evaluated == 0


@pytest.mark.django_db
def test_pending_contacts_of_a_cured_case_are_cancelled():
    case = case_at_dpd(20)
    escalation_pass_run(as_of=AS_OF)
    case.refresh_from_db()
    case_transition(case=case, to=Stage.CLOSED, outcome=Outcome.CURED, actor=SYSTEM, reason="Paid in full.")
    escalation_pass_run(as_of=AS_OF + days(1))
    assert ScheduledContact.objects.get(case=case).status == ContactStatus.CANCELLED


@pytest.mark.django_db
def test_a_dry_run_reports_what_it_would_do_and_saves_nothing():
    case = case_at_dpd(20)
    summary = escalation_pass_run(as_of=AS_OF, dry_run=True)
    assert summary.scheduled == {"call": 1} and summary.moved_to_plan == 1
    case.refresh_from_db()
    assert case.stage == Stage.CONFIRM
    assert not ScheduledContact.objects.exists() and not CaseEscalation.objects.exists()


@pytest.mark.django_db
def test_a_new_policy_version_takes_effect_at_its_time(manager):
    policy = Policy.objects.get(is_default=True)
    definition = policy_definition(version=policy.versions.get(number=1))
    definition["tiers"][0]["actions"] = [{"code": "T1.call", "channel": "call", "cadence": "repeat", "times": 1,
                                          "per_days": 3}]
    v2 = policy_version_publish(policy=policy, effective_from=AS_OF + days(1), definition=definition, actor=manager,
                                note="Call T1 cases instead of texting them.")
    before, after = case_at_dpd(2), case_at_dpd(2, as_of=AS_OF + days(1))
    escalation_chunk_run(lo=before.pk, hi=before.pk + 1, as_of=AS_OF)
    escalation_chunk_run(lo=after.pk, hi=after.pk + 1, as_of=AS_OF + days(1))
    assert rules_of(before) == ["T1.sms"]
    assert rules_of(after) == ["T1.call"]
    assert ScheduledContact.objects.get(case=after).policy_version == v2


@pytest.mark.django_db
def test_the_challenger_runs_on_its_stable_share_of_cases(manager):
    champion = Policy.objects.get(is_default=True)
    challenger = Policy.objects.create(name="Call early")
    definition = policy_definition(version=champion.versions.get(number=1))
    definition["tiers"][0]["actions"] = [{"code": "T1.call_early", "channel": "call", "cadence": "on_entry"}]
    policy_version_publish(policy=challenger, effective_from=AS_OF - days(1), definition=definition, actor=manager,
                           note="Early call")
    policy_version_publish(policy=champion, effective_from=AS_OF - days(1),
                           definition=policy_definition(version=champion.versions.get(number=1)), actor=manager,
                           note="Try the early call on 30 %", challenger=challenger, challenger_percent=30)
    cases = [case_at_dpd(2) for _ in range(40)]
    escalation_pass_run(as_of=AS_OF)
    for case in cases:
        expected = case_strategy(case_id=case.pk, challenger_percent=30)
        assert CaseEscalation.objects.get(case=case).strategy == expected
        assert rules_of(case) == (["T1.call_early"] if expected == Strategy.CHALLENGER else ["T1.sms"])
    assert 0 < CaseEscalation.objects.filter(strategy=Strategy.CHALLENGER).count() < 40


@pytest.mark.django_db
def test_run_escalation_prints_its_summary_and_dry_run_saves_nothing():
    case_at_dpd(20)
    out = StringIO()
    call_command("run_escalation", "--as-of", "2026-11-30T02:00:00Z", "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue() and "cases evaluated:   1" in out.getvalue() and "call: 1" in out.getvalue()
    assert not ScheduledContact.objects.exists()
    out = StringIO()
    call_command("run_escalation", "--as-of", "2026-11-30T02:00:00+00:00", stdout=out)
    assert "call: 1" in out.getvalue() and ScheduledContact.objects.count() == 1


def _pending(case, rule):
    return ScheduledContact.objects.filter(case=case, rule=rule, status=ContactStatus.SCHEDULED)


def _local_midnight(day):
    return dt.datetime.combine(day, dt.time(0), tzinfo=SH)


@pytest.mark.django_db
def test_an_unworked_call_task_waits_in_the_queue_instead_of_being_replaced():
    case = case_at_dpd(16)
    escalation_pass_run(as_of=AS_OF)
    task = ScheduledContact.objects.get(case=case)
    later = [escalation_pass_run(as_of=AS_OF + days(n)) for n in (2, 4)]
    assert [sum(summary.scheduled.values()) for summary in later] == [0, 0]
    assert list(ScheduledContact.objects.filter(case=case)) == [task]
    task.refresh_from_db()
    assert task.status == ContactStatus.SCHEDULED and task.due_at == AS_OF  # still due since the first day
    # Nothing but the move to T3 (DPD 31) can bring the case anything new by time.
    assert CaseEscalation.objects.get(case=case).next_due_at == _local_midnight(case.overdue_since + days(31))


@pytest.mark.django_db
def test_a_call_worked_late_answers_that_days_slot_and_the_next_comes_on_the_next_cadence_day(agent):
    case = case_at_dpd(40)  # T3: a call task every day
    escalation_pass_run(as_of=AS_OF)
    task = _pending(case, "T3.call").get()
    assert sum(escalation_pass_run(as_of=AS_OF + days(1)).scheduled.values()) == 0
    contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER,
                        occurred_at=AS_OF + days(1) + dt.timedelta(hours=1), number="13800138000",
                        scheduled_contact=task, now=AS_OF + days(1) + dt.timedelta(hours=1))
    task.refresh_from_db()
    assert task.status == ContactStatus.DONE
    # Worked on the second day: that day's call is made, so the pass adds none until the third day.
    same_day = escalation_pass_run(as_of=AS_OF + days(1) + dt.timedelta(hours=2))
    assert same_day.cases_evaluated == 1 and sum(same_day.scheduled.values()) == 0
    assert CaseEscalation.objects.get(case=case).next_due_at == _local_midnight(AS_OF.date() + days(2))
    assert escalation_pass_run(as_of=AS_OF + days(2)).scheduled == {"call": 1}
    assert _pending(case, "T3.call").get().due_at == AS_OF + days(2)


@pytest.mark.django_db
def test_a_call_task_cancelled_by_staff_brings_the_next_one_on_the_next_cadence_day(supervisor):
    case = case_at_dpd(40)
    escalation_pass_run(as_of=AS_OF)
    scheduled_contact_cancel(contact=_pending(case, "T3.call").get(), actor=supervisor, reason="Number under review.")
    assert EscalationPending.objects.filter(case=case).exists()
    assert sum(escalation_pass_run(as_of=AS_OF + dt.timedelta(hours=1)).scheduled.values()) == 0
    assert escalation_pass_run(as_of=AS_OF + days(1)).scheduled == {"call": 1}


@pytest.mark.django_db
def test_entering_a_new_tier_replaces_the_previous_tiers_call_task():
    case = case_at_dpd(30)
    escalation_pass_run(as_of=AS_OF)
    old = _pending(case, "T2.call").get()
    summary = escalation_pass_run(as_of=AS_OF + days(1))  # DPD 31: T3
    new = _pending(case, "T3.call").get()
    old.refresh_from_db()
    assert old.status == ContactStatus.CANCELLED
    assert old.trail[-1]["reason"] == "superseded" and old.trail[-1]["by"] == new.idempotency_key
    assert summary.superseded == 1
    # The pass's own cancellations give it no reason to look at the case again.
    assert not EscalationPending.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_a_field_visit_falls_due_when_the_last_conversation_leaves_the_fourteen_day_window():
    case = case_at_dpd(35)
    escalation_pass_run(as_of=AS_OF)
    talked = AS_OF - days(2)
    ContactAttempt.objects.create(case=case, channel=Channel.CALL, occurred_at=talked, result=AttemptResult.RIGHT_PARTY,
                                  actor_label="agent")
    for n in (8, 9, 10):
        ContactAttempt.objects.create(case=case, channel=Channel.CALL, occurred_at=AS_OF + days(n),
                                      result=AttemptResult.NO_ANSWER, actor_label="agent")
    escalation_pass_run(as_of=AS_OF + days(10) + dt.timedelta(hours=1))
    assert "T3.visit" not in rules_of(case)  # three failed calls, but a conversation within 14 days
    assert CaseEscalation.objects.get(case=case).next_due_at == talked + days(14)
    assert escalation_pass_run(as_of=talked + days(14)).scheduled.get("visit") == 1


@pytest.mark.django_db
def test_a_call_logged_on_the_case_answers_the_waiting_task_and_the_next_pass_keeps_nothing_pending(agent):
    case = case_at_dpd(20)  # T2: a call task every 2 days
    escalation_pass_run(as_of=AS_OF)
    task = _pending(case, "T2.call").get()
    contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER,
                        occurred_at=AS_OF + dt.timedelta(hours=1),
                        now=AS_OF + dt.timedelta(hours=1), number="13800138000")
    task.refresh_from_db()
    assert task.status == ContactStatus.DONE
    assert sum(escalation_pass_run(as_of=AS_OF + dt.timedelta(hours=2)).scheduled.values()) == 0
    assert not _pending(case, "T2.call").exists()
    assert escalation_pass_run(as_of=AS_OF + days(2)).scheduled == {"call": 1}


def _sent(contact, at):
    ScheduledContact.objects.filter(pk=contact.pk).update(status=ContactStatus.SENT, sent_at=at)


@pytest.mark.django_db
def test_a_case_entering_t1_on_day_five_is_texted_at_once_and_next_five_days_after_the_text_went_out():
    case = case_at_dpd(5)
    assert escalation_pass_run(as_of=AS_OF).scheduled == {"sms": 1}
    _sent(_pending(case, "T1.sms").get(), AS_OF + dt.timedelta(minutes=1))
    assert CaseEscalation.objects.get(case=case).next_due_at == _local_midnight(AS_OF.date() + days(5))
    quiet = [sum(escalation_pass_run(as_of=AS_OF + days(n)).scheduled.values()) for n in (1, 2, 3, 4)]
    assert quiet == [0, 0, 0, 0]
    assert escalation_pass_run(as_of=AS_OF + days(5)).scheduled == {"sms": 1}


@pytest.mark.django_db
def test_the_interval_runs_from_when_the_reminder_was_sent_not_from_when_it_was_scheduled():
    case = case_at_dpd(5)
    night = dt.datetime(2026, 11, 30, 22, 0, tzinfo=SH)
    escalation_pass_run(as_of=night)
    sms = _pending(case, "T1.sms").get()
    assert sms.due_at == dt.datetime(2026, 12, 1, 8, 0, tzinfo=SH)
    _sent(sms, sms.due_at)
    # Five days after the evening it was scheduled, but four after the morning it went out: nothing yet.
    assert sum(escalation_pass_run(as_of=night + days(5) - dt.timedelta(hours=12)).scheduled.values()) == 0
    assert CaseEscalation.objects.get(case=case).next_due_at == _local_midnight(dt.date(2026, 12, 6))
    assert escalation_pass_run(as_of=dt.datetime(2026, 12, 6, 9, 0, tzinfo=SH)).scheduled == {"sms": 1}


@pytest.mark.django_db
@pytest.mark.parametrize(("outcome", "due_on_day_five"), [(ContactStatus.SENT, False), (ContactStatus.FAILED, True),
                                                          (ContactStatus.HELD, True)])
def test_only_a_reminder_sent_counts_towards_the_interval(outcome, due_on_day_five):
    case = case_at_dpd(5)
    escalation_pass_run(as_of=AS_OF)
    sms = _pending(case, "T1.sms").get()
    # Delivered two days late, or given up on then.
    ScheduledContact.objects.filter(pk=sms.pk).update(
        status=outcome, sent_at=AS_OF + days(2) if outcome == ContactStatus.SENT else None)
    expected = {"sms": 1} if due_on_day_five else {}
    assert dict(escalation_pass_run(as_of=AS_OF + days(5)).scheduled) == expected


@pytest.mark.django_db
def test_twice_a_week_means_a_call_task_four_days_after_the_last_call(agent):
    case = case_at_dpd(61)  # T4: call tasks 2 times in 7 days, so every ceil(7 / 2) = 4 days
    escalation_pass_run(as_of=AS_OF)
    contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER,
                        occurred_at=AS_OF + dt.timedelta(hours=1),
                        now=AS_OF + dt.timedelta(hours=1), number="13800138000")
    assert not _pending(case, "T4.call").exists()
    escalation_pass_run(as_of=AS_OF + dt.timedelta(hours=2))
    assert CaseEscalation.objects.get(case=case).next_due_at == _local_midnight(AS_OF.date() + days(4))
    assert sum(escalation_pass_run(as_of=AS_OF + days(3)).scheduled.values()) == 0
    assert escalation_pass_run(as_of=AS_OF + days(4)).scheduled == {"call": 1}


@pytest.mark.django_db
def test_a_tier_reevaluation_schedules_a_case_at_once_and_twice_is_once():
    from escalation.services import cases_tier_reevaluate

    case = case_at_dpd(16)
    other = case_at_dpd(16)
    assert cases_tier_reevaluate(case_ids=[case.pk, case.pk], as_of=AS_OF) == 1
    assert ScheduledContact.objects.filter(case=case).count() == 1
    assert not ScheduledContact.objects.filter(case=other).exists()  # only the cases named
    cases_tier_reevaluate(case_ids=[case.pk], as_of=AS_OF)
    assert ScheduledContact.objects.filter(case=case).count() == 1


def _with_fallbacks(fallback=True):
    """The default policy's rules, with or without letters standing in for opted-out SMS and email, in
    force at AS_OF."""
    import copy

    from escalation.defaults import DEFAULT_POLICY

    definition = copy.deepcopy(DEFAULT_POLICY)
    for action in (a for tier in definition["tiers"] for a in tier["actions"]):
        action["fallback_channel"] = action.get("fallback_channel", "") if fallback else ""
    return policy_version_publish(policy=Policy.objects.get(is_default=True), effective_from=AS_OF - days(1),
                                  definition=definition, actor=SYSTEM, note="Fallback letters")


@pytest.mark.django_db
def test_an_opted_out_sms_falls_back_to_a_letter_as_the_policy_says():
    from cases.models import PreferenceKind, PreferenceSource
    from cases.preferences import preference_state

    _with_fallbacks()
    case = case_at_dpd(3)
    preference_state(customer=case.account.customer, kind=PreferenceKind.OPT_OUT_CHANNEL, target="sms",
                     value={"opted_out": True}, actor=SYSTEM, source=PreferenceSource.CARDHOLDER_PHONE,
                     stated_at=AS_OF - days(2))
    summary = escalation_pass_run(as_of=AS_OF)
    contact = ScheduledContact.objects.get(case=case, rule="T1.sms")
    assert (contact.channel, contact.status) == (Channel.LETTER, ContactStatus.SCHEDULED)
    assert contact.trail[0]["failed"][0]["rule"] == "preferences"
    assert contact.trail[1] == {"at": AS_OF.isoformat(), "fallback": "letter", "instead_of": "sms"}
    assert summary.scheduled == {"letter": 1}


@pytest.mark.django_db
def test_an_opted_out_channel_without_a_fallback_is_held():
    from cases.models import PreferenceKind, PreferenceSource
    from cases.preferences import preference_state

    _with_fallbacks(fallback=False)
    case = case_at_dpd(3)
    preference_state(customer=case.account.customer, kind=PreferenceKind.OPT_OUT_CHANNEL, target="sms",
                     value={"opted_out": True}, actor=SYSTEM, source=PreferenceSource.CARDHOLDER_PHONE,
                     stated_at=AS_OF - days(2))
    escalation_pass_run(as_of=AS_OF)
    contact = ScheduledContact.objects.get(case=case, rule="T1.sms")
    assert (contact.channel, contact.status) == (Channel.SMS, ContactStatus.HELD)


@pytest.mark.django_db
def test_the_pass_schedules_reminders_for_the_preferred_window():
    from cases.models import PreferenceKind, PreferenceSource
    from cases.preferences import preference_state

    case = case_at_dpd(3)
    preference_state(customer=case.account.customer, kind=PreferenceKind.WINDOW,
                     value={"from": "18:00", "until": "20:00"}, actor=SYSTEM, source=PreferenceSource.LETTER,
                     stated_at=AS_OF - days(2))
    escalation_pass_run(as_of=AS_OF)
    contact = ScheduledContact.objects.get(case=case, rule="T1.sms")
    assert contact.due_at == AS_OF.replace(hour=18)
