"""Logging contacts: record first, judge second (contacts.services.contact_attempt_log)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import translation

from cases.lifecycle import HoldKind, Stage
from cases.models import CaseHold
from contacts.governor import governor_check, reason_text
from contacts.models import AttemptResult, Channel, ContactAttempt, ContactStatus, Direction, ScheduledContact
from contacts.services import (
    contact_attempt_log,
    contact_attempt_reason_set,
    contact_exception_grant,
    contact_exception_revoke,
    scheduled_contact_cancel,
)
from core.crypto import pii_hash
from core.errors import DomainError
from escalation.models import EscalationPending
from tests.factories import AccountFactory, CaseFactory

SH = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)


def at(hour: int, minute: int = 0, day: int = 30) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SH)


@pytest.fixture
def case(team):
    return CaseFactory(stage=Stage.CONTACT, assigned_team=team)


def log(case, actor, *, when, now=None, result=AttemptResult.NO_ANSWER, **kwargs):
    return contact_attempt_log(case=case, channel=Channel.CALL, actor=actor, result=result, occurred_at=when,
                               now=now or when, **kwargs)


@pytest.mark.django_db
def test_an_agent_logs_an_allowed_call_with_the_rules_it_passed(case, agent):
    attempt = log(case, agent, when=MORNING, number=case.account.customer.phone)
    assert attempt.actor == agent and attempt.verdict["allowed"] is True and attempt.breached_rules == []
    assert "calls_per_day" in attempt.verdict["passed"]
    assert attempt.direction == Direction.OUTBOUND and attempt.customer_id == case.account.customer_id


@pytest.mark.django_db
def test_a_call_at_2103_is_stored_as_a_breach_with_its_failed_rules(case, agent):
    attempt = log(case, agent, when=at(21, 3))
    attempt.refresh_from_db()
    assert attempt.breached_rules == ["hours"] and attempt.is_breach
    assert attempt.verdict["allowed"] is False and attempt.verdict["failed"][0]["rule"] == "hours"
    with translation.override("zh-hans"):
        assert reason_text(attempt.verdict["failed"][0]) == "不在 Asia/Shanghai 时区的 08:00–21:00 联系时段内。"


@pytest.mark.django_db
def test_a_call_at_2058_logged_at_2101_is_no_breach(case, agent):
    attempt = log(case, agent, when=at(20, 58), now=at(21, 1))
    assert attempt.breached_rules == [] and attempt.verdict["allowed"] is True
    assert attempt.occurred_at == at(20, 58) and attempt.logged_at == at(21, 1)


@pytest.mark.django_db
def test_the_verdict_is_as_of_the_moment_the_contact_happened_and_never_revised(case, agent, supervisor):
    hold = CaseHold.objects.create(case=case, kind=HoldKind.LEGAL_HOLD, reason="Counsel", placed_by_label="s",
                                   placed_at=at(12))
    before = log(case, agent, when=at(11), now=at(13))  # made before the hold, logged after it
    during = log(case, agent, when=at(12, 30), now=at(13))
    assert before.breached_rules == [] and during.breached_rules == ["holds"]
    hold.released_at = at(14)
    hold.save()
    during.refresh_from_db()
    assert during.breached_rules == ["holds"]


@pytest.mark.django_db
def test_an_inbound_call_at_2200_is_recorded_is_no_breach_and_counts_towards_nothing(case, agent):
    inbound = log(case, agent, when=at(22, day=29), direction=Direction.INBOUND)
    assert inbound.breached_rules == [] and inbound.verdict["direction"] == "inbound"
    for minute in (0, 15, 30):
        log(case, agent, when=at(8, minute), direction=Direction.INBOUND)
    log(case, agent, when=at(9))
    log(case, agent, when=at(10))
    # Two outbound calls today against the CN limit of 3: the four inbound calls count for nothing.
    assert governor_check(case=case, channel=Channel.CALL, at=at(11)).allowed


@pytest.mark.django_db
def test_a_conversation_on_an_inbound_call_starts_the_quiet_period(case, agent):
    log(case, agent, when=at(10), direction=Direction.INBOUND, result=AttemptResult.RIGHT_PARTY,
        delinquency_reason="lost_income")
    verdict = governor_check(case=case, channel=Channel.CALL, at=at(10, day=30) + dt.timedelta(days=1))
    assert [f["rule"] for f in verdict.failed] == ["quiet_period"]


@pytest.mark.django_db
def test_two_cases_of_one_cardholder_share_the_daily_call_limit(team, agent):
    first = CaseFactory(stage=Stage.CONTACT, assigned_team=team)
    second = CaseFactory(stage=Stage.CONTACT, assigned_team=team,
                         account=AccountFactory(customer=first.account.customer))
    other = CaseFactory(stage=Stage.CONTACT, assigned_team=team)
    log(first, agent, when=at(9))
    log(first, agent, when=at(10))
    log(second, agent, when=at(11))
    assert [f["rule"] for f in governor_check(case=second, channel=Channel.CALL, at=at(12)).failed] == ["calls_per_day"]
    assert log(first, agent, when=at(12)).breached_rules == ["calls_per_day"]
    assert governor_check(case=other, channel=Channel.CALL, at=at(12)).allowed


@pytest.mark.django_db
def test_a_profile_may_count_a_limit_per_case(team, agent):
    from contacts.models import JurisdictionProfile

    JurisdictionProfile.objects.filter(code="CN").update(limit_scopes={"calls_per_day": "case"})
    first = CaseFactory(stage=Stage.CONTACT, assigned_team=team)
    second = CaseFactory(stage=Stage.CONTACT, assigned_team=team,
                         account=AccountFactory(customer=first.account.customer))
    for hour in (9, 10, 11):
        log(first, agent, when=at(hour))
    assert governor_check(case=second, channel=Channel.CALL, at=at(12)).allowed
    assert not governor_check(case=first, channel=Channel.CALL, at=at(12)).allowed


@pytest.mark.django_db
def test_unanswered_calls_count_per_number_whoever_they_were_for(team, agent):
    shared = "13900001111"
    a, b = (CaseFactory(stage=Stage.CONTACT, assigned_team=team) for _ in range(2))
    for minute in range(3):
        log(a, agent, when=at(9, minute), number=shared)
        log(b, agent, when=at(9, 10 + minute), number=shared)
    verdict = governor_check(case=a, channel=Channel.CALL, at=at(15), number=shared)
    assert "unanswered_per_number" in [f["rule"] for f in verdict.failed]
    assert "unanswered_per_number" in governor_check(case=a, channel=Channel.CALL, at=at(15)).passed  # no number


@pytest.mark.django_db
def test_a_pre_authorised_exception_is_honoured_once_and_expires(case, agent, supervisor):
    exception = contact_exception_grant(case=case, actor=supervisor, reason="Asked to be called after work.",
                                        valid_from=at(20), hours=3, now=at(20))
    covered = log(case, agent, when=at(21, 30), result=AttemptResult.RIGHT_PARTY, delinquency_reason="illness")
    assert covered.breached_rules == [] and covered.exception == exception
    assert covered.verdict["failed"][0]["rule"] == "hours"  # the verdict still says what the rules thought
    exception.refresh_from_db()
    assert exception.used_at is not None
    assert "hours" in log(case, agent, when=at(22)).breached_rules  # single use: spent


@pytest.mark.django_db
def test_an_exception_for_hours_covers_every_contact_until_it_expires(case, agent, supervisor):
    contact_exception_grant(case=case, actor=supervisor, reason="Fraud alert: reach them tonight.",
                            valid_from=at(21), hours=2, single_use=False, now=at(21))
    assert log(case, agent, when=at(21, 10)).exception_id is not None
    assert log(case, agent, when=at(22, 50)).exception_id is not None
    late = log(case, agent, when=at(23, 5))
    assert late.exception_id is None and late.breached_rules == ["hours"]


@pytest.mark.django_db
def test_a_revoked_exception_covers_nothing(case, agent, supervisor):
    exception = contact_exception_grant(case=case, actor=supervisor, reason="Asked for a late call.",
                                        valid_from=at(20), hours=3, now=at(20))
    contact_exception_revoke(exception=exception, actor=supervisor, reason="Cardholder withdrew the request.")
    assert log(case, agent, when=at(21, 30)).breached_rules == ["hours"]


@pytest.mark.django_db
def test_only_a_supervisor_authorises_an_exception_and_always_with_a_reason(case, agent, supervisor):
    with pytest.raises(DomainError, match="Only a supervisor"):
        contact_exception_grant(case=case, actor=agent, reason="Urgent")
    with pytest.raises(DomainError, match="reason"):
        contact_exception_grant(case=case, actor=supervisor, reason="  ")
    with pytest.raises(DomainError) as too_long:
        contact_exception_grant(case=case, actor=supervisor, reason="Urgent", hours=100, single_use=False)
    assert too_long.value.field == "hours"


@pytest.mark.django_db
def test_a_contact_in_the_future_or_older_than_a_week_is_refused_beside_the_field(case, agent):
    with pytest.raises(DomainError) as future:
        log(case, agent, when=at(12), now=at(11))
    assert future.value.field == "occurred_at"
    with pytest.raises(DomainError) as old:
        log(case, agent, when=at(12), now=at(12) + dt.timedelta(days=8))
    assert old.value.field == "occurred_at"
    assert not ContactAttempt.objects.exists()


@pytest.mark.django_db
def test_the_telephony_system_may_feed_older_calls(case):
    attempt = contact_attempt_log(case=case, channel=Channel.CALL, actor="telephony", result=AttemptResult.NO_ANSWER,
                                  occurred_at=at(12), now=at(12) + dt.timedelta(days=30), source="telephony")
    assert attempt.occurred_at == at(12)


@pytest.mark.django_db
def test_a_conversation_needs_the_reason_for_the_delinquency(case, agent):
    with pytest.raises(DomainError) as missing:
        log(case, agent, when=MORNING, result=AttemptResult.RIGHT_PARTY)
    assert missing.value.field == "delinquency_reason"
    attempt = log(case, agent, when=MORNING, result=AttemptResult.RIGHT_PARTY, delinquency_reason="lost_income")
    assert attempt.delinquency_reason == "lost_income"


@pytest.mark.django_db
def test_a_telephony_conversation_without_a_reason_is_completed_from_the_case_page(case, agent):
    attempt = contact_attempt_log(case=case, channel=Channel.CALL, actor="telephony", source="telephony",
                                  result=AttemptResult.RIGHT_PARTY, occurred_at=MORNING, now=MORNING)
    contact_attempt_reason_set(case=case, attempt_id=attempt.pk, actor=agent, reason="illness")
    attempt.refresh_from_db()
    assert attempt.delinquency_reason == "illness"
    with pytest.raises(DomainError):
        contact_attempt_reason_set(case=case, attempt_id=attempt.pk, actor=agent, reason="forgot")


@pytest.mark.django_db
def test_the_number_is_stored_encrypted_with_a_keyed_hash(case, agent):
    attempt = log(case, agent, when=MORNING, number="13800000000")
    with connection.cursor() as cursor:
        cursor.execute("SELECT number, number_hash FROM contacts_contactattempt WHERE id = %s", [attempt.pk])
        stored, stored_hash = cursor.fetchone()
    assert "13800000000" not in stored and stored_hash == pii_hash("13800000000")
    assert ContactAttempt.objects.get(pk=attempt.pk).number == "13800000000"


@pytest.mark.django_db
def test_an_attempt_on_one_case_marks_every_open_case_of_the_cardholder(team, agent):
    first = CaseFactory(stage=Stage.CONTACT, assigned_team=team)
    second = CaseFactory(stage=Stage.CONTACT, assigned_team=team,
                         account=AccountFactory(customer=first.account.customer))
    EscalationPending.objects.all().delete()
    log(first, agent, when=MORNING)
    assert set(EscalationPending.objects.values_list("case_id", flat=True)) == {first.pk, second.pk}


@pytest.mark.django_db
def test_a_dispute_raised_on_a_call_puts_the_case_on_hold(case, agent):
    log(case, agent, when=MORNING, result=AttemptResult.DISPUTE, delinquency_reason="dispute")
    assert CaseHold.objects.filter(case=case, kind=HoldKind.DISPUTE, released_at__isnull=True).exists()


@pytest.mark.django_db
def test_logging_an_attempt_completes_its_call_task(case, agent):
    task = ScheduledContact.objects.create(case=case, channel=Channel.CALL, due_at=MORNING, idempotency_key="k1")
    log(case, agent, when=MORNING, scheduled_contact=task)
    task.refresh_from_db()
    assert task.status == ContactStatus.DONE and task.trail[-1]["result"] == "no_answer"


@pytest.mark.django_db
def test_a_cancelled_contact_keeps_who_cancelled_it_and_why(case, supervisor):
    task = ScheduledContact.objects.create(case=case, channel=Channel.SMS, due_at=MORNING, idempotency_key="k2")
    scheduled_contact_cancel(contact=task, actor=supervisor, reason="Cardholder paid at the branch.")
    task.refresh_from_db()
    assert task.status == ContactStatus.CANCELLED
    assert task.trail[-1]["by"] == "supervisor" and task.trail[-1]["reason"] == "Cardholder paid at the branch."


def _policy_call(case, key="T2.call:1"):
    return ScheduledContact.objects.create(case=case, channel=Channel.CALL, due_at=MORNING - dt.timedelta(days=1),
                                           idempotency_key=key, rule="T2.call")


@pytest.mark.django_db
@pytest.mark.parametrize("result", [AttemptResult.NO_ANSWER, AttemptResult.RIGHT_PARTY, AttemptResult.WRONG_NUMBER])
def test_a_call_logged_without_naming_a_task_answers_the_pending_policy_call_task(case, agent, result):
    task = _policy_call(case)
    attempt = log(case, agent, when=MORNING, result=result, delinquency_reason="forgot")
    task.refresh_from_db()
    assert task.status == ContactStatus.DONE
    assert attempt.scheduled_contact == task and task.trail[-1] == {**task.trail[-1], "attempt": attempt.pk,
                                                                   "result": result}


@pytest.mark.django_db
def test_a_breach_still_answers_the_call_task_and_an_inbound_call_does_not(case, agent):
    task = _policy_call(case)
    log(case, agent, when=at(22), direction=Direction.INBOUND)
    task.refresh_from_db()
    assert task.status == ContactStatus.SCHEDULED
    log(case, agent, when=at(22, 30))
    task.refresh_from_db()
    assert task.status == ContactStatus.DONE


@pytest.mark.django_db
def test_a_call_leaves_callbacks_and_other_channels_alone(case, agent):
    from contacts.models import Origin

    sms = ScheduledContact.objects.create(case=case, channel=Channel.SMS, due_at=MORNING, idempotency_key="sms")
    callback = ScheduledContact.objects.create(case=case, channel=Channel.CALL, due_at=MORNING, origin=Origin.STAFF,
                                               idempotency_key="callback")
    attempt = log(case, agent, when=MORNING)
    assert attempt.scheduled_contact is None
    assert set(ScheduledContact.objects.filter(pk__in=[sms.pk, callback.pk]).values_list("status", flat=True)) == {
        ContactStatus.SCHEDULED}
