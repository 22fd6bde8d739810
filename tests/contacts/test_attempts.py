import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from cases.lifecycle import HoldKind, Stage
from cases.models import CaseHold
from contacts.governor import reason_text
from contacts.models import AttemptResult, Channel, ContactAttempt, ContactStatus, ScheduledContact
from contacts.services import ContactNotPermitted, contact_attempt_log, scheduled_contact_cancel
from tests.factories import CaseFactory

SH = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)


@pytest.fixture
def case(team):
    return CaseFactory(stage=Stage.CONTACT, assigned_team=team)


@pytest.mark.django_db
def test_an_agent_logs_an_allowed_call_with_the_rules_it_passed(case, agent):
    attempt = contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER,
                                  at=MORNING, number="13800000000")
    assert attempt.actor == agent and attempt.verdict["allowed"] is True
    assert "calls_per_day" in attempt.verdict["passed"]


@pytest.mark.django_db
def test_an_agent_is_told_why_a_call_is_refused_and_when_it_may_happen(case, agent):
    night = dt.datetime(2026, 11, 30, 22, 0, tzinfo=SH)
    with pytest.raises(ContactNotPermitted) as refused:
        contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER, at=night)
    assert str(refused.value) == ("Not permitted now (outside contact hours); next permitted 2026-12-01 08:00, "
                                  "Asia/Shanghai time.")
    with translation.override("zh-hans"):
        assert refused.value.message == ("目前不允许联系（不在允许联系的时段）；持卡人所在时区（Asia/Shanghai）"
                                         "最早可于 2026年12月1日 08:00 联系。")
        assert reason_text(refused.value.verdict.failed[0]) == "不在 Asia/Shanghai 时区的 08:00–21:00 联系时段内。"
    assert refused.value.verdict.failed[0]["reason"] == "Outside 08:00–21:00 in Asia/Shanghai."
    assert refused.value.verdict.next_permitted_at == dt.datetime(2026, 12, 1, 8, 0, tzinfo=SH)
    assert not ContactAttempt.objects.exists()


@pytest.mark.django_db
def test_an_agent_cannot_override_the_rules(case, agent):
    with pytest.raises(Exception, match="Only a supervisor"):
        contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER,
                            at=dt.datetime(2026, 11, 30, 22, 0, tzinfo=SH), override_reason="Urgent")
    assert not ContactAttempt.objects.exists()


@pytest.mark.django_db
def test_a_supervisor_override_is_recorded_with_the_reason_and_the_refusal(case, supervisor):
    attempt = contact_attempt_log(case=case, channel=Channel.CALL, actor=supervisor, result=AttemptResult.RIGHT_PARTY,
                                  at=dt.datetime(2026, 11, 30, 22, 0, tzinfo=SH),
                                  override_reason="Cardholder asked to be called after work.")
    assert attempt.overridden_by == supervisor
    assert attempt.override_reason == "Cardholder asked to be called after work."
    assert attempt.verdict["allowed"] is False and attempt.verdict["failed"][0]["rule"] == "hours"


@pytest.mark.django_db
def test_a_dispute_raised_on_a_call_puts_the_case_on_hold(case, agent):
    contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.DISPUTE, at=MORNING)
    assert CaseHold.objects.filter(case=case, kind=HoldKind.DISPUTE, released_at__isnull=True).exists()


@pytest.mark.django_db
def test_logging_an_attempt_completes_its_call_task(case, agent):
    task = ScheduledContact.objects.create(case=case, channel=Channel.CALL, due_at=MORNING, idempotency_key="k1")
    contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER, at=MORNING,
                        scheduled_contact=task)
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
    attempt = contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=result, at=MORNING)
    task.refresh_from_db()
    assert task.status == ContactStatus.DONE
    assert attempt.scheduled_contact == task and task.trail[-1] == {**task.trail[-1], "attempt": attempt.pk,
                                                                   "result": result}


@pytest.mark.django_db
def test_a_call_leaves_callbacks_and_other_channels_alone(case, agent):
    from contacts.models import Origin

    sms = ScheduledContact.objects.create(case=case, channel=Channel.SMS, due_at=MORNING, idempotency_key="sms")
    callback = ScheduledContact.objects.create(case=case, channel=Channel.CALL, due_at=MORNING, origin=Origin.STAFF,
                                               idempotency_key="callback")
    attempt = contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER,
                                  at=MORNING)
    assert attempt.scheduled_contact is None
    assert set(ScheduledContact.objects.filter(pk__in=[sms.pk, callback.pk]).values_list("status", flat=True)) == {
        ContactStatus.SCHEDULED}


@pytest.mark.django_db
def test_a_refused_call_leaves_the_task_pending(case, agent):
    task = _policy_call(case)
    with pytest.raises(ContactNotPermitted):
        contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER,
                            at=dt.datetime(2026, 11, 30, 22, 0, tzinfo=SH))
    task.refresh_from_db()
    assert task.status == ContactStatus.SCHEDULED
