"""POST /api/v1/sms/inbound: an opt-out by SMS is recorded at once; other text lands on the cases."""

import datetime as dt

import pytest
from django.utils import timezone

from api.services import api_client_create
from cases.models import ContactPoint, ContactPointKind, ContactPreferenceStatement, PreferenceSource
from cases.preferences import customer_preferences
from contacts.governor import governor_check
from contacts.models import Channel, ContactAttempt, Direction, InboundSms
from tests.api.conftest import bearer
from tests.factories import AccountFactory, CaseFactory, CustomerFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/sms/inbound"
NUMBER = "+8613800138000"


@pytest.fixture
def telephony(db):
    _client, token = api_client_create(name="sms-provider", scopes=["telephony"])
    return bearer(token)


def case_of(phone=NUMBER):
    return CaseFactory(account=AccountFactory(customer=CustomerFactory(phone=phone)))


def message(body, provider_id="m-1", sender=NUMBER, received_at=None):
    received_at = received_at or timezone.now() - dt.timedelta(minutes=1)
    return {"from": sender, "body": body, "received_at": received_at.isoformat(), "provider_id": provider_id}


@pytest.mark.parametrize("body", ["STOP", " stop ", "TD", "退订"])
def test_an_opt_out_keyword_opts_the_number_out_of_sms_at_once(telephony, body):
    case = case_of()
    answer = telephony.post(URL, message(body), format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"provider_id": "m-1", "result": "opted_out", "cardholders": 1, "duplicate": False}
    statement = ContactPreferenceStatement.objects.get(customer=case.account.customer)
    assert statement.source == PreferenceSource.SMS_REPLY
    assert "sms" in customer_preferences(customer=case.account.customer).opted_out_channels
    verdict = governor_check(case=case, channel=Channel.SMS)
    assert "preferences" in [failure["rule"] for failure in verdict.failed]


def test_the_callback_is_idempotent_by_provider_id(telephony):
    case_of()
    telephony.post(URL, message("STOP"), format="json")
    again = telephony.post(URL, message("STOP"), format="json")
    assert again.json()["duplicate"] is True
    assert InboundSms.objects.count() == 1 and ContactPreferenceStatement.objects.count() == 1


def test_a_number_shared_by_several_cardholders_is_opted_out_for_each(telephony):
    first, second = case_of(), case_of(phone="+8613900000000")
    ContactPoint.objects.create(customer=second.account.customer, kind=ContactPointKind.HOME, phone=NUMBER)
    answer = telephony.post(URL, message("TD"), format="json")
    assert answer.json()["cardholders"] == 2
    for case in (first, second):
        assert "sms" in customer_preferences(customer=case.account.customer).opted_out_channels


def test_other_text_is_stored_as_an_inbound_message_on_the_cardholders_cases(telephony):
    case = case_of()
    answer = telephony.post(URL, message("I will pay on Friday", provider_id="m-2"), format="json")
    assert answer.json()["result"] == "stored"
    attempt = ContactAttempt.objects.get(case=case)
    assert (attempt.direction, attempt.channel, attempt.notes) == (Direction.INBOUND, Channel.SMS,
                                                                  "I will pay on Friday")
    assert not ContactPreferenceStatement.objects.exists()


def test_an_unknown_number_is_kept_and_touches_no_cardholder(telephony):
    case_of()
    answer = telephony.post(URL, message("STOP", sender="+8613700000000", provider_id="m-3"), format="json")
    assert answer.json()["result"] == "unmatched" and not ContactPreferenceStatement.objects.exists()


def test_the_callback_needs_the_telephony_scope_and_a_valid_body(telephony):
    _client, token = api_client_create(name="reader", scopes=["read"])
    assert bearer(token).post(URL, message("STOP"), format="json").status_code == 403
    refused = telephony.post(URL, {"from": NUMBER, "body": "STOP"}, format="json")
    assert refused.status_code == 400
    assert "received_at" in refused.content.decode() and "provider_id" in refused.content.decode()
