"""Messages to the cardholder carry a link to their own page, made at send time; others never do."""

import datetime as dt
import io
import json

import pytest
from django.utils import timezone
from pypdf import PdfReader

from contacts.delivery import contact_deliver
from contacts.links import message_link
from contacts.messages import message_render
from contacts.models import Channel, ContactStatus, ScheduledContact
from contacts.senders import letter_pdf
from repayment_plans.reminders import instalment_reminders_send
from selfservice.models import SelfServiceLink
from tests.factories import AccountFactory, CaseFactory, CustomerFactory
from tests.repayment_plans.helpers import SH
from tests.repayment_plans.test_reminders import active_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def links_on(settings):
    settings.SELF_SERVICE_LINKS, settings.SELF_SERVICE_BASE_URL = True, "https://my.bank.example"


@pytest.fixture
def case(db):
    return CaseFactory(account=AccountFactory(customer=CustomerFactory(language="en", address="1 Road")),
                       stage="contact")


def _deliver(case, channel, settings, tmp_path, rule="t1_sms"):  # noqa: PLR0913
    settings.SMS_BACKEND, settings.SMS_FILE_PATH, settings.MEDIA_ROOT = "file", tmp_path / "sms.jsonl", tmp_path
    at = timezone.now().replace(hour=3)  # 11:00 in Shanghai
    contact = ScheduledContact.objects.create(case=case, channel=channel, due_at=at, idempotency_key=f"k-{channel}",
                                              rule=rule)
    contact_deliver(contact_id=contact.pk, at=at)
    contact.refresh_from_db()
    return contact


def test_an_sms_carries_a_new_link_made_when_it_is_sent(links_on, case, settings, tmp_path):
    contact = _deliver(case, Channel.SMS, settings, tmp_path)
    assert contact.status == ContactStatus.SENT
    link = SelfServiceLink.objects.get(customer=case.account.customer)
    assert link.channel == "sms" and "https://my.bank.example/my/" in contact.rendered_text
    assert link.case_id == case.pk  # the self-service funnel counts the link under the case it was about


def test_a_message_that_did_not_go_out_leaves_no_link(links_on, case, settings, tmp_path, monkeypatch):
    from contacts import delivery
    from contacts.senders import DeliveryError

    class Down:
        def send(self, **kwargs):
            raise DeliveryError("gateway down")

    monkeypatch.setattr(delivery, "sms_backend", Down)
    contact = _deliver(case, Channel.SMS, settings, tmp_path)
    assert contact.status == ContactStatus.SCHEDULED and contact.last_error == "gateway down"
    assert not SelfServiceLink.objects.exists()


def test_no_link_when_links_are_off(case, settings, tmp_path):
    settings.SELF_SERVICE_LINKS = False
    contact = _deliver(case, Channel.SMS, settings, tmp_path)
    assert "/my/" not in contact.rendered_text and not SelfServiceLink.objects.exists()


def test_a_letter_carries_the_link_and_a_qr_code(links_on, case):
    url = message_link(customer=case.account.customer, channel="letter", at=timezone.now())
    message = message_render(case=case, channel="letter", link=url)
    assert url in message.body
    reader = PdfReader(io.BytesIO(letter_pdf(message=message)))
    assert url in "".join(page.extract_text() for page in reader.pages)
    assert any(page.images for page in reader.pages)


def test_a_third_partys_message_and_the_estate_letter_never_carry_a_link(links_on, case):
    url = "https://my.bank.example/my/abc/"
    assert url not in message_render(case=case, channel="sms", third_party=True, link=url).body
    assert url not in message_render(case=case, channel="letter", estate=True, link=url).body



def test_an_instalment_reminder_carries_a_link_too(links_on, agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "sms.jsonl"
    plan = active_plan(agent)
    assert instalment_reminders_send(at=dt.datetime(2026, 12, 27, 10, tzinfo=SH)) == 1
    body = json.loads(settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()[-1])["body"]
    assert "https://my.bank.example/my/" in body
    assert SelfServiceLink.objects.get().customer_id == plan.case.account.customer_id
    assert SelfServiceLink.objects.get().case_id == plan.case_id


def _placed(case, version, code):
    from escalation.models import CaseEscalation
    tier = version.tiers.get(code=code)
    CaseEscalation.objects.create(case=case, strategy="champion", policy_version=version, tier_rank=tier.rank,
                                  tier_code=code, tier_since=timezone.now())


def test_a_message_for_a_case_in_a_tier_with_links_off_carries_none(links_on, case, manager, settings, tmp_path):
    from tests.escalation.helpers import offers_publish
    version = offers_publish(actor=manager, offers=[], links_off=("T1",))
    _placed(case, version, "T1")
    contact = _deliver(case, Channel.SMS, settings, tmp_path)
    assert contact.status == ContactStatus.SENT
    assert "/my/" not in contact.rendered_text and not SelfServiceLink.objects.exists()
    # The same policy's next tier still sends them.
    ScheduledContact.objects.filter(pk=contact.pk).update(idempotency_key="k-first")
    other = CaseFactory(account=AccountFactory(customer=CustomerFactory(language="en")), stage="contact")
    _placed(other, version, "T2")
    sent = _deliver(other, Channel.SMS, settings, tmp_path, rule="t2_sms")
    assert "https://my.bank.example/my/" in sent.rendered_text
