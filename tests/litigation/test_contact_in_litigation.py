"""While a case is in legal, the governor refuses every contact but the legal officer's letter."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from contacts.delivery import contact_deliver
from contacts.governor import PURPOSE_LEGAL, governor_check
from contacts.models import Channel, ContactStatus, Origin, ScheduledContact
from contacts.services import ContactNotPermitted, staff_letter_schedule
from core.errors import Forbidden
from core.models import OutboxTask
from litigation.services import legal_letter_send, litigation_open, litigation_withdraw

SH = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)


@pytest.mark.django_db
@pytest.mark.parametrize("channel", [Channel.SMS, Channel.EMAIL, Channel.LETTER, Channel.CALL, Channel.VISIT])
def test_the_governor_refuses_automated_contact_and_agents_calls_in_legal(record, channel):
    verdict = governor_check(case=record.case, channel=channel, at=MORNING)
    assert not verdict.allowed and "legal_stage" in [f["rule"] for f in verdict.failed]
    assert verdict.next_permitted_at is None
    staff_call = governor_check(case=record.case, channel=Channel.CALL, at=MORNING, by_staff=True)
    assert "legal_stage" in [f["rule"] for f in staff_call.failed]


@pytest.mark.django_db
def test_the_governor_lets_the_legal_letter_through_and_nothing_else_with_that_purpose(record):
    assert governor_check(case=record.case, channel=Channel.LETTER, at=MORNING, purpose=PURPOSE_LEGAL).allowed
    assert not governor_check(case=record.case, channel=Channel.SMS, at=MORNING, purpose=PURPOSE_LEGAL).allowed


@pytest.mark.django_db
def test_back_in_contact_the_rule_no_longer_refuses(record, legal_officer):
    litigation_withdraw(record=record, actor=legal_officer, reason="Withdrawn.")
    record.case.refresh_from_db()
    verdict = governor_check(case=record.case, channel=Channel.SMS, at=MORNING)
    assert "legal_stage" in verdict.passed


@pytest.mark.django_db
def test_the_legal_officers_letter_is_written_queued_and_delivered_with_their_text(record, legal_officer,
                                                                                   settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    letter = legal_letter_send(record=record, actor=legal_officer, text="关于贵方信用卡欠款诉讼事宜的通知。",
                               at=MORNING)
    assert (letter.channel, letter.origin, letter.purpose) == (Channel.LETTER, Origin.STAFF, PURPOSE_LEGAL)
    assert OutboxTask.objects.filter(task="contacts.deliver", kwargs={"contact_id": letter.pk}).exists()
    assert contact_deliver(contact_id=letter.pk, at=MORNING) == ContactStatus.SENT
    letter.refresh_from_db()
    window, _rule, body = letter.rendered_text.partition("\n---\n")
    assert body == "关于贵方信用卡欠款诉讼事宜的通知。" and window
    assert (tmp_path / "letters" / letter.letter_file).read_bytes().startswith(b"%PDF")


@pytest.mark.django_db
def test_a_policy_letter_due_in_legal_is_held_at_delivery(record, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    letter = ScheduledContact.objects.create(case=record.case, channel=Channel.LETTER, due_at=MORNING,
                                             idempotency_key="policy-letter")
    assert contact_deliver(contact_id=letter.pk, at=MORNING) == ContactStatus.HELD


@pytest.mark.django_db
def test_a_letter_for_collection_is_refused_when_written_in_legal(record, legal_officer):
    with pytest.raises(ContactNotPermitted):
        staff_letter_schedule(case=record.case, actor=legal_officer, text="Pay now.", purpose="collection", at=MORNING)


@pytest.mark.django_db
def test_an_agent_may_not_send_the_legal_letter(record, agent):
    with pytest.raises(Forbidden):
        legal_letter_send(record=record, actor=agent, text="Letter.", at=MORNING)


@pytest.mark.django_db
def test_the_escalation_pass_plans_nothing_for_a_case_in_legal(team, supervisor, _media):
    from escalation.services import escalation_pass_run
    from tests.escalation.helpers import AS_OF, case_at_dpd

    legal = litigation_open(case=case_at_dpd(100, assigned_team=team, stage="legal"), actor=supervisor).case
    contact = case_at_dpd(100, assigned_team=team, stage="contact")
    escalation_pass_run(as_of=AS_OF)
    assert not ScheduledContact.objects.filter(case=legal).exists()
    assert ScheduledContact.objects.filter(case=contact).exists()
