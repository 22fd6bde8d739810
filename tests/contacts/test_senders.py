"""Email against a real local SMTP server, SMS against a local HTTP server, letters as PDF."""

import datetime as dt
import io
import json
import socket
import threading
from decimal import Decimal
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from pypdf import PdfReader

from cases.lifecycle import HoldKind, Stage
from cases.services import case_hold_place
from contacts.delivery import contact_deliver, contacts_due_for_delivery
from contacts.messages import message_render
from contacts.models import Channel, ContactStatus, Origin, ScheduledContact
from contacts.senders import letter_pdf
from core.actors import SYSTEM
from tests.escalation.helpers import SH
from tests.factories import AccountFactory, CaseFactory, CustomerFactory

MORNING = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)
CARD = "6222020200112233"


@pytest.fixture
def case(db):
    customer = CustomerFactory(name="王小明", email="wang.xiaoming@example.com", phone="13800138000",
                               address="上海市浦东新区世纪大道100号")
    return CaseFactory(account=AccountFactory(customer=customer, account_number=CARD), stage=Stage.CONTACT,
                       principal_overdue=Decimal("12000.00"), interest_overdue=Decimal("300.00"),
                       fees_overdue=Decimal("50.00"), penalty_overdue=Decimal("25.50"),
                       overdue_since=dt.date(2026, 11, 10))


def contact(case, channel, **kwargs):
    return ScheduledContact.objects.create(case=case, channel=channel, due_at=MORNING,
                                           idempotency_key=f"{case.pk}:{channel}:{kwargs.pop('slot', 1)}", **kwargs)


# --- email ----------------------------------------------------------------------------------------------

class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    with socket.socket() as probe:  # a free port: the controller checks readiness by connecting to it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()


@pytest.mark.django_db
def test_an_email_reaches_a_real_smtp_server_with_name_and_amounts(case, smtp_server):
    email = contact(case, Channel.EMAIL)
    assert contact_deliver(contact_id=email.pk, at=MORNING) == ContactStatus.SENT
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["wang.xiaoming@example.com"]
    body = message.get_content()
    assert "王小明" in body and "¥12,375.50" in body and "2233" in body
    assert CARD not in body
    # Someone reading over a shoulder (or a lock screen) learns nothing about a debt from the subject.
    assert message["subject"].strip() == "信用卡中心：您的信用卡账户信息"
    email.refresh_from_db()
    assert email.sent_at == MORNING and email.trail[-1]["allowed"] is True


@pytest.mark.django_db
def test_an_unreachable_smtp_server_is_recorded_and_retried_later(case, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    email = contact(case, Channel.EMAIL)
    assert contact_deliver(contact_id=email.pk, at=MORNING) == ContactStatus.SCHEDULED
    email.refresh_from_db()
    assert email.delivery_attempts == 1 and email.last_error.startswith("email:")
    assert email.due_at == MORNING + dt.timedelta(minutes=2)


# --- SMS ------------------------------------------------------------------------------------------------

class Provider(BaseHTTPRequestHandler):
    requests: list = []
    status = 200

    def do_POST(self):  # noqa: N802 - http.server's hook name
        length = int(self.headers["Content-Length"])
        Provider.requests.append((self.headers["Authorization"], json.loads(self.rfile.read(length))))
        self.send_response(Provider.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"id": "msg-1"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def sms_provider(settings):
    Provider.requests, Provider.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{server.server_port}/v1/messages"
    settings.SMS_HTTP_TOKEN = "provider-test-token"
    yield Provider
    server.shutdown()


@pytest.mark.django_db
def test_an_sms_goes_to_the_http_provider_with_its_credentials(case, sms_provider):
    sms = contact(case, Channel.SMS)
    assert contact_deliver(contact_id=sms.pk, at=MORNING) == ContactStatus.SENT
    [(authorization, payload)] = sms_provider.requests
    assert authorization == "Bearer provider-test-token"
    assert payload["to"] == "13800138000" and "王小明" in payload["body"] and "2233" in payload["body"]
    assert CARD not in payload["body"] and payload["reference"] == sms.idempotency_key
    sms.refresh_from_db()
    assert sms.trail[-1]["delivered_via"] == "msg-1"


@pytest.mark.django_db
def test_the_text_sent_is_kept_exactly_and_encrypted(case, sms_provider):
    sms = contact(case, Channel.SMS)
    contact_deliver(contact_id=sms.pk, at=MORNING)
    [(_authorization, payload)] = sms_provider.requests
    sms.refresh_from_db()
    assert sms.rendered_text == payload["body"] and sms.sent_to == "13800138000"
    with connection.cursor() as cursor:
        cursor.execute("SELECT rendered_text, sent_to FROM contacts_scheduledcontact WHERE id = %s", [sms.pk])
        stored_text, stored_to = cursor.fetchone()
    assert "王小明" not in stored_text and payload["body"] not in stored_text and "13800138000" not in stored_to


@pytest.mark.django_db
def test_a_failed_sms_keeps_no_text_as_sent(case, sms_provider):
    sms_provider.status = 503
    sms = contact(case, Channel.SMS)
    contact_deliver(contact_id=sms.pk, at=MORNING)
    sms.refresh_from_db()
    assert (sms.rendered_text, sms.sent_to) == ("", "")


@pytest.mark.django_db
def test_a_failing_provider_is_retried_with_backoff_then_marked_failed(case, sms_provider, settings):
    settings.CONTACTS_MAX_DELIVERY_ATTEMPTS = 3
    sms_provider.status = 503
    sms = contact(case, Channel.SMS)
    at = MORNING
    for expected_wait in (2, 4):
        assert contact_deliver(contact_id=sms.pk, at=at) == ContactStatus.SCHEDULED
        sms.refresh_from_db()
        assert sms.due_at == at + dt.timedelta(minutes=expected_wait)
        assert sms.last_error == "sms: provider answered 503"
        at = sms.due_at
    assert contact_deliver(contact_id=sms.pk, at=at) == ContactStatus.FAILED
    sms.refresh_from_db()
    assert sms.delivery_attempts == 3 and len(sms_provider.requests) == 3


@pytest.mark.django_db
def test_the_file_backend_writes_each_sms_to_the_outbox(case, settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "outbox.jsonl"
    contact_deliver(contact_id=contact(case, Channel.SMS).pk, at=MORNING)
    [line] = (tmp_path / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["to"] == "13800138000"


# --- letters --------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_letter_pdf_carries_the_chinese_name_and_amount(case):
    pdf = letter_pdf(message=message_render(case=case, channel=Channel.LETTER, at=MORNING))
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "王小明" in text and "¥12,375.50" in text and "逾期还款正式通知书" in text
    assert CARD not in text


LETTER_CLAUSES = {
    "en": {
        "the amounts": "The amount overdue is ¥12,375.50: principal ¥12,000.00, interest ¥300.00, fees ¥50.00, "
                       "penalty ¥25.50.",
        "the reason": "Reason: these amounts were not paid in full by their due date.",
        "the basis": "Basis: the credit card agreement between you and 信用卡中心, and the Measures for the "
                     "Supervision and Administration of the Credit Card Business of Commercial Banks (2011).",
        "obligations": "Your obligation: to repay the amount overdue",
        "rights": "Your rights: to check your account; to dispute the amount;",
        "checking the account": "How to check your account",
        "disputing with evidence and the deadline": "tell us by 2026-12-30 (within 30 days of this notice), with "
                                                    "evidence",
        "complaints": "call our complaints line on 95555-8, write to 北京市西城区金融大街1号 or email "
                      "complaints@bank.example",
        "the seal line": "Seal of 信用卡中心: ____",
    },
    "zh-hans": {
        "the amounts": "逾期金额合计¥12,375.50，其中本金¥12,000.00，利息¥300.00，费用¥50.00，罚息¥25.50。",
        "the reason": "催收原因：上述款项已过到期还款日，仍未足额偿还。",
        "the basis": "催收依据：您与信用卡中心签订的信用卡领用合约，以及《商业银行信用卡业务监督管理办法》。",
        "obligations": "您的义务：按照信用卡领用合约的约定偿还上述欠款。",
        "rights": "您的权利：核对账户；对欠款提出异议；",
        "checking the account": "如何核对账户",
        "disputing with evidence and the deadline": "请于2026-12-30前（自本通知日期起30日内）提出，并附交易凭证、"
                                                    "还款记录、往来函件等证明材料",
        "complaints": "请致电投诉热线95555-8，或致函北京市西城区金融大街1号，电子邮箱complaints@bank.example",
        "the seal line": "信用卡中心（盖章）：____",
    },
}
# What a stranger holding the envelope must not learn: that there is a debt, how much, on which card.
DISCLOSING = ("逾期", "欠", "催收", "还款", "overdue", "debt", "collect", "payment", "notice", "12,375", "2233")


def no_spaces(text: str) -> str:
    return "".join(text.split())


MM = 72 / 25.4


def placed_text(page) -> list[tuple[str, tuple[float, float]]]:
    """Each run of text on `page` with where it starts, in millimetres from the page's top left corner."""
    runs = []

    def visit(text, cm, tm, _font, _size):
        x, y = tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        runs.append((text, (x / MM, float(page.mediabox.height) / MM - y / MM)))
    page.extract_text(visitor_text=visit)
    return runs


def in_envelope_window(x: float, y: float) -> bool:
    # DIN 5008 form B, which C5/6 and DL window envelopes follow: 20–110 mm from the left, 45–90 mm from the
    # top; a few millimetres more each way, as a letter shifts in its envelope.
    return 15 <= x <= 115 and 40 <= y <= 95


@pytest.fixture
def letter_settings(settings):
    settings.CONTACTS_BANK_NAME = "信用卡中心"
    settings.CONTACTS_COMPLAINTS_PHONE = "95555-8"
    settings.CONTACTS_COMPLAINTS_ADDRESS = "北京市西城区金融大街1号"
    settings.CONTACTS_COMPLAINTS_EMAIL = "complaints@bank.example"
    settings.CONTACTS_DISPUTE_DEADLINE_DAYS = 30
    return settings


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_letter_states_every_clause_art_69_requires(case, letter_settings, language):
    case.account.customer.language = language
    pdf = letter_pdf(message=message_render(case=case, channel=Channel.LETTER, at=MORNING))
    text = no_spaces("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    missing = [name for name, clause in LETTER_CLAUSES[language].items() if no_spaces(clause) not in text]
    assert missing == []


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "title"), [("en", "Formal notice of overdue payment"),
                                                 ("zh-hans", "逾期还款正式通知书")])
def test_the_envelope_window_shows_the_address_and_nothing_about_a_debt(case, letter_settings, language, title):
    case.account.customer.language = language
    message = message_render(case=case, channel=Channel.LETTER, at=MORNING)
    assert message.window[0] == "信用卡中心" and "上海市浦东新区世纪大道100号" in message.window
    assert not [word for word in DISCLOSING if word in " ".join(message.window).lower()]
    reader = PdfReader(io.BytesIO(letter_pdf(message=message)))
    in_window = "".join(text for text, (x, y) in placed_text(reader.pages[0]) if in_envelope_window(x, y))
    assert "王小明" in in_window and "上海市浦东新区世纪大道100号" in in_window
    assert not [word for word in DISCLOSING if word in in_window.lower()] and title not in in_window
    assert title in reader.pages[0].extract_text()  # the letter itself starts below the window
    # The file's own title, which a print queue shows, is only the sender's name.
    assert reader.metadata.title == "信用卡中心"


@pytest.mark.django_db
def test_an_english_letter_draws_a_chinese_name_and_address_in_the_chinese_font(case, letter_settings):
    case.account.customer.language = "en"
    pdf = letter_pdf(message=message_render(case=case, channel=Channel.LETTER, at=MORNING))
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Dear 王小明," in text and "上海市浦东新区世纪大道100号" in text


@pytest.mark.django_db
def test_a_due_letter_is_rendered_for_printing(case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    letter = contact(case, Channel.LETTER)
    assert contact_deliver(contact_id=letter.pk, at=MORNING) == ContactStatus.SENT
    assert (tmp_path / "letters" / f"contact-{letter.pk}.pdf").read_bytes().startswith(b"%PDF")
    letter.refresh_from_db()
    window, _rule, body = letter.rendered_text.partition("\n---\n")
    assert letter.letter_file == f"contact-{letter.pk}.pdf"
    assert "上海市浦东新区世纪大道100号" in window and "王小明" in body


# --- the rules at delivery ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_contact_on_a_case_put_on_hold_since_is_held_not_sent(case, sms_provider):
    # A staff message: the hold cancels the policy's own contacts at once (cases.contact_stops), so only
    # the governor at delivery stands between this one and the cardholder.
    sms = contact(case, Channel.SMS, origin=Origin.STAFF)
    case_hold_place(case=case, kind=HoldKind.DO_NOT_CONTACT, actor=SYSTEM, reason="Asked not to be contacted.")
    assert contact_deliver(contact_id=sms.pk, at=MORNING) == ContactStatus.HELD
    assert sms_provider.requests == []


@pytest.mark.django_db
def test_an_sms_due_late_in_the_evening_waits_for_the_morning(case, sms_provider):
    sms = contact(case, Channel.SMS)
    late = dt.datetime(2026, 11, 30, 21, 30, tzinfo=SH)
    assert contact_deliver(contact_id=sms.pk, at=late) == ContactStatus.SCHEDULED
    sms.refresh_from_db()
    assert sms.due_at == dt.datetime(2026, 12, 1, 8, 0, tzinfo=SH) and sms_provider.requests == []
    assert contacts_due_for_delivery(at=late) == []


@pytest.mark.django_db
def test_messages_show_only_the_last_four_card_digits_in_both_languages(case):
    for language in ("zh-hans", "en"):
        case.account.customer.language = language
        for channel in (Channel.SMS, Channel.EMAIL, Channel.LETTER):
            message = message_render(case=case, channel=channel, at=MORNING)
            assert CARD not in message.subject + message.body and "2233" in message.body
    assert "Dear 王小明" in message_render(case=case, channel=Channel.SMS, at=MORNING).body


@pytest.mark.django_db
def test_a_third_party_message_never_mentions_the_debt(case):
    for language in ("zh-hans", "en"):
        case.account.customer.language = language
        body = message_render(case=case, channel=Channel.SMS, third_party=True, at=MORNING).body
        assert "王小明" in body
        for secret in ("12,375", "逾期", "overdue", "2233", "debt", "欠"):
            assert secret not in body


# --- queueing -------------------------------------------------------------------------------------------
def test_due_contacts_are_queued_through_the_outbox_so_a_broker_outage_cannot_drop_them(case, time_machine):
    from contacts.tasks import send_due
    from core.models import OutboxTask

    due = contact(case, Channel.SMS)
    time_machine.move_to(MORNING + dt.timedelta(minutes=1))
    assert send_due.run() == 1
    row = OutboxTask.objects.get()
    assert (row.task, row.kwargs) == ("contacts.deliver", {"contact_id": due.pk})


@pytest.mark.django_db
def test_an_sms_to_a_number_reported_wrong_is_held_not_sent(case, agent, tmp_path, settings):
    from cases.contact_points import number_mark_wrong

    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "sms.jsonl"
    number_mark_wrong(customer=case.account.customer, number="13800138000", actor=agent, reason="Not in service.",
                      at=MORNING - dt.timedelta(hours=1))
    sms = contact(case, Channel.SMS)
    assert contact_deliver(contact_id=sms.pk, at=MORNING) == ContactStatus.HELD
    sms.refresh_from_db()
    assert sms.trail[-1]["failed"][0]["rule"] == "wrong_number_dialled"
    assert not (tmp_path / "sms.jsonl").exists()
