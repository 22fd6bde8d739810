"""The US profile: an opt-out line on every SMS and email, and the validation notice as the first
written message. The CN profile asks for neither. Senders honour an opt-out at delivery."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cases.lifecycle import Stage
from cases.models import PreferenceKind, PreferenceSource
from cases.preferences import preference_state
from contacts.delivery import contact_deliver
from contacts.messages import message_render
from contacts.models import Channel, ContactStatus, Origin, ScheduledContact
from tests.factories import AccountFactory, CaseFactory, CustomerFactory

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
MORNING = dt.datetime(2026, 11, 30, 10, 0, tzinfo=NY)


def case_in(zone, language, team=None, agent=None):
    customer = CustomerFactory(timezone=zone, language=language, email="jane@example.com", address="1 Main St")
    return CaseFactory(account=AccountFactory(customer=customer, currency="USD"), currency="USD", stage=Stage.CONTACT,
                       principal_overdue=Decimal("1000.00"), interest_overdue=Decimal("20.00"),
                       fees_overdue=Decimal("30.00"), penalty_overdue=Decimal("0"), overdue_since=dt.date(2026, 11, 10),
                       assigned_team=team, assigned_agent=agent)


@pytest.mark.parametrize(("language", "line"), [("en", "Reply STOP"), ("zh-hans", "退订")])
def test_us_sms_and_email_carry_an_opt_out_line(language, line):
    case = case_in("America/New_York", language)
    assert line in message_render(case=case, channel=Channel.SMS, at=MORNING).body
    email = message_render(case=case, channel=Channel.EMAIL, at=MORNING, validation_notice=False)
    assert ("call" if language == "en" else "致电") in email.body.rsplit("\n", 1)[-1]


def test_cn_messages_carry_no_opt_out_line():
    case = case_in("Asia/Shanghai", "en")
    assert "STOP" not in message_render(case=case, channel=Channel.SMS, at=MORNING).body


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_first_us_email_is_the_validation_notice_with_a_neutral_subject(language):
    case = case_in("America/New_York", language)
    notice = message_render(case=case, channel=Channel.EMAIL, at=MORNING)
    for figure in ("2026-11-10", "$1,050.00", "$20.00", "$30.00", "2027-01-04", "cfpb.gov"):
        assert figure in notice.body
    assert ("dispute" if language == "en" else "异议") in notice.body
    assert not any(word in notice.subject.lower() for word in ("debt", "overdue", "collect", "债", "逾期", "催收"))


def test_after_a_written_message_went_out_the_next_is_the_usual_one():
    case = case_in("America/New_York", "en")
    ScheduledContact.objects.create(case=case, channel=Channel.EMAIL, due_at=MORNING, status=ContactStatus.SENT,
                                    idempotency_key="sent-1", sent_at=MORNING)
    assert "dispute" not in message_render(case=case, channel=Channel.EMAIL, at=MORNING).body
    assert "Formal notice" in message_render(case=case, channel=Channel.LETTER, at=MORNING).body


def test_a_us_letter_notice_keeps_the_envelope_window_plain():
    case = case_in("America/New_York", "en")
    letter = message_render(case=case, channel=Channel.LETTER, at=MORNING)
    assert "dispute" in letter.body and not any("debt" in line.lower() for line in letter.window)


def test_the_case_page_of_a_us_cardholder_shows_the_validation_notice(client, team, agent):
    case = case_in("America/New_York", "en", team=team, agent=agent)
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="validation-notice"' in page and "www.cfpb.gov/debt-collection" in page


def test_a_sender_holds_an_sms_the_cardholder_opted_out_of_and_says_why():
    case = case_in("Asia/Shanghai", "zh-hans")
    at = dt.datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    contact = ScheduledContact.objects.create(case=case, channel=Channel.SMS, due_at=at, origin=Origin.POLICY,
                                              idempotency_key="sms-1")
    preference_state(customer=case.account.customer, kind=PreferenceKind.OPT_OUT_CHANNEL, target="sms",
                     value={"opted_out": True}, actor="sms-provider", source=PreferenceSource.SMS_REPLY,
                     stated_at=at - dt.timedelta(hours=1))
    assert contact_deliver(contact_id=contact.pk, at=at) == ContactStatus.HELD
    contact.refresh_from_db()
    assert contact.trail[-1]["failed"][0]["figures"]["preference"] == PreferenceKind.OPT_OUT_CHANNEL
