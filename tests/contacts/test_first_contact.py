"""A case enters contact with the first contact actually made: a message sent, an attempt logged by staff,
or a call from the dialer's batch. A contact scheduled, held or failed moves nothing."""

import datetime as dt

import pytest

from cases.lifecycle import Stage
from cases.models import StageHistory
from contacts.delivery import contact_deliver
from contacts.models import AttemptResult, Channel, ContactStatus, ScheduledContact
from contacts.senders import DeliveryError
from contacts.services import contact_attempt_log
from contacts.telephony import CallResult, DialerCall, telephony_attempts_record
from core.actors import SYSTEM
from events.models import Event, EventType
from tests.escalation.helpers import SH
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

MORNING = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)


def moved_to_contact(case, *, from_stage, actor_label):
    case.refresh_from_db()
    history = StageHistory.objects.get(case=case, to_stage=Stage.CONTACT)
    event = Event.objects.get(case=case, type=EventType.CASE_STAGE_CHANGED, payload__to="contact")
    return (case.stage, history.from_stage, history.actor_label, history.reason, event.payload["from"]) == (
        Stage.CONTACT, from_stage, actor_label, "First contact made.", from_stage)


def sms(case, due_at=MORNING):
    return ScheduledContact.objects.create(case=case, channel=Channel.SMS, due_at=due_at,
                                           idempotency_key=f"{case.pk}:sms")


@pytest.fixture
def file_sms(settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "outbox.jsonl"


def test_a_message_sent_moves_a_case_in_plan_to_contact_with_history_and_event(file_sms):
    case = CaseFactory(stage=Stage.PLAN)
    assert contact_deliver(contact_id=sms(case).pk, at=MORNING) == ContactStatus.SENT
    assert moved_to_contact(case, from_stage=Stage.PLAN, actor_label=SYSTEM)


def test_a_message_that_fails_to_go_leaves_the_case_in_plan(monkeypatch):
    def provider_down(contact, at):
        raise DeliveryError("provider down")

    monkeypatch.setattr("contacts.delivery._send", provider_down)
    case = CaseFactory(stage=Stage.PLAN)
    assert contact_deliver(contact_id=sms(case).pk, at=MORNING) == ContactStatus.SCHEDULED
    case.refresh_from_db()
    assert case.stage == Stage.PLAN and not StageHistory.objects.filter(case=case).exists()


def test_a_message_the_rules_put_off_leaves_the_case_in_plan(file_sms):
    case = CaseFactory(stage=Stage.PLAN)
    night = MORNING.replace(hour=23)
    message = sms(case, due_at=night)
    assert contact_deliver(contact_id=message.pk, at=night) == ContactStatus.SCHEDULED
    case.refresh_from_db()
    assert case.stage == Stage.PLAN


@pytest.mark.parametrize("stage", [Stage.CONFIRM, Stage.PLAN])
def test_an_attempt_logged_by_staff_moves_the_case_to_contact(agent, team, stage):
    case = CaseFactory(stage=stage, assigned_team=team)
    contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER,
                        occurred_at=MORNING, now=MORNING, number="+8613800138000")
    assert case.stage == Stage.CONTACT
    assert moved_to_contact(case, from_stage=stage, actor_label=agent.username)


def test_an_attempt_on_a_case_already_past_contact_moves_nothing(agent, team):
    case = CaseFactory(stage=Stage.NEGOTIATE, assigned_team=team)
    contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER,
                        occurred_at=MORNING, now=MORNING, number="+8613800138000")
    case.refresh_from_db()
    assert case.stage == Stage.NEGOTIATE and not StageHistory.objects.filter(case=case).exists()


def test_the_dialers_batch_moves_its_cases_to_contact_in_one_set():
    planned = [CaseFactory(stage=Stage.PLAN) for _ in range(3)]
    confirming, negotiating = CaseFactory(stage=Stage.CONFIRM), CaseFactory(stage=Stage.NEGOTIATE)
    calls = [DialerCall(external_id=f"D{n}", account_number=case.account.account_number, direction="outbound",
                        number="+8613800138000", started_at=MORNING, result=AttemptResult.NO_ANSWER,
                        duration_seconds=20)
             for n, case in enumerate([*planned, confirming, negotiating])]
    outcomes = telephony_attempts_record(calls=calls, now=MORNING + dt.timedelta(minutes=5))
    assert {outcome.result for outcome in outcomes} == {CallResult.RECORDED}
    for case in planned:
        assert moved_to_contact(case, from_stage=Stage.PLAN, actor_label="telephony")
    assert moved_to_contact(confirming, from_stage=Stage.CONFIRM, actor_label="telephony")
    negotiating.refresh_from_db()
    assert negotiating.stage == Stage.NEGOTIATE
    # Replayed, the batch records nothing new and moves nothing again.
    telephony_attempts_record(calls=calls, now=MORNING + dt.timedelta(minutes=6))
    assert StageHistory.objects.filter(to_stage=Stage.CONTACT).count() == 4
