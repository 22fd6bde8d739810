import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from cases.lifecycle import Stage
from events.models import Event, EventType
from repayment_plans.agreement import agreement_pdf
from repayment_plans.models import AcceptanceMethod, PlanStatus
from repayment_plans.plans import (
    PlanConflict,
    PlanError,
    plan_accept_with_code,
    plan_accept_with_signed_copy,
    plan_acceptance_code_send,
)
from tests.factories import AccountFactory, CustomerFactory
from tests.repayment_plans.helpers import NOW, contact_case, propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_outbox(tmp_path, settings):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "outbox.jsonl"
    return settings.SMS_FILE_PATH


def last_code(outbox) -> str:
    body = json.loads(outbox.read_text(encoding="utf-8").splitlines()[-1])["body"]
    return "".join(ch for ch in body.split("验证码为")[-1].split(" is ")[-1] if ch.isdigit())[:6]


def approved_plan(agent, name="王小明"):
    account = AccountFactory(customer=CustomerFactory(name=name, phone="+8613800000000"))
    return propose(contact_case(agent, account=account), agent, count=3, interest=20)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize(("language", "heading"), [("zh-hans", "还款协议"), ("en", "Repayment agreement")])
def test_the_agreement_pdf_holds_the_schedule_and_the_chinese_name(agent, language, heading):
    plan = approved_plan(agent)
    text = pdf_text(agreement_pdf(plan=plan, language=language))
    assert heading in text and "王小明" in text
    for instalment in plan.instalments.all():
        assert instalment.due_date.isoformat() in text and str(instalment.amount) in text
    assert str(plan.total) in text
    assert plan.case.account.account_number not in text  # only the last four digits


def test_the_code_sent_by_sms_activates_the_plan_and_emits_plan_agreed(agent, sms_outbox):
    plan = approved_plan(agent)
    plan_acceptance_code_send(plan=plan, actor=agent, at=NOW)
    assert json.loads(sms_outbox.read_text(encoding="utf-8"))["to"] == "+8613800000000"
    plan = plan_accept_with_code(plan=plan, code=last_code(sms_outbox), actor=agent, at=NOW)
    assert plan.status == PlanStatus.ACTIVE and plan.accepted_via == AcceptanceMethod.SMS_CODE
    plan.case.refresh_from_db()
    assert plan.case.stage == Stage.FOLLOW_UP
    event = Event.objects.get(type=EventType.PLAN_AGREED, case=plan.case)
    assert len(event.payload["instalments"]) == 3 and event.payload["total"] == str(plan.total)


def test_a_wrong_or_expired_code_does_not_activate(agent, sms_outbox):
    plan = approved_plan(agent)
    plan_acceptance_code_send(plan=plan, actor=agent, at=NOW)
    code = last_code(sms_outbox)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(PlanError):
        plan_accept_with_code(plan=plan, code=wrong, actor=agent, at=NOW)
    with pytest.raises(PlanError):
        plan_accept_with_code(plan=plan, code=code, actor=agent, at=NOW.replace(hour=11))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.acceptance_code_attempts == 1


def test_five_wrong_codes_spend_the_code(agent, sms_outbox):
    plan = approved_plan(agent)
    plan_acceptance_code_send(plan=plan, actor=agent, at=NOW)
    code = last_code(sms_outbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(PlanError):
            plan_accept_with_code(plan=plan, code=wrong, actor=agent, at=NOW)
    with pytest.raises(PlanError):
        plan_accept_with_code(plan=plan, code=code, actor=agent, at=NOW)


def test_a_plan_awaiting_approval_cannot_be_accepted(agent, sms_outbox):
    plan = propose(contact_case(agent), agent, count=24)
    with pytest.raises(PlanConflict):
        plan_acceptance_code_send(plan=plan, actor=agent, at=NOW)


def test_an_uploaded_signed_copy_activates_the_plan(agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    plan = approved_plan(agent)
    with pytest.raises(PlanError):
        plan_accept_with_signed_copy(plan=plan, upload=SimpleUploadedFile("x.exe", b"MZ\x90\x00"), actor=agent)
    plan = plan_accept_with_signed_copy(plan=plan, upload=SimpleUploadedFile("signed.pdf", b"%PDF-1.7\n..."),
                                        actor=agent, at=NOW)
    assert plan.status == PlanStatus.ACTIVE and plan.accepted_via == AcceptanceMethod.SIGNED_COPY
    assert (tmp_path / plan.signed_copy.name).read_bytes().startswith(b"%PDF-")
    assert plan.total == Decimal("10195.50")


def words(text: str) -> str:
    return " ".join(text.split())


def fonts(data: bytes) -> set[str]:
    return {str(font["/BaseFont"]) for page in PdfReader(io.BytesIO(data)).pages
            for font in page["/Resources"]["/Font"].values()}


def test_the_english_agreement_is_set_in_a_latin_font_and_wraps_between_words(agent):
    plan = approved_plan(agent)
    data = agreement_pdf(plan=plan, language="en")
    text = words(pdf_text(data))
    assert "/Helvetica" in fonts(data)
    # Whole sentences survive extraction: a line never breaks inside a word ("ag|reement").
    assert ("The cardholder repays each amount above by its date. A payment more than 3 days late may end this "
            "agreement, and the waiver with it.") in text
    assert ("While the cardholder keeps to this schedule, the bank stops collection calls and sends only "
            "instalment reminders.") in text


@pytest.mark.parametrize(("language", "date_line", "bank_line", "cardholder_line"), [
    ("en", "Date of this agreement: ", "For the bank (", "Cardholder (王小明): "),
    ("zh-hans", "协议日期：", "银行（", "持卡人（王小明）签名："),
])
def test_the_agreement_carries_its_date_and_a_signature_and_date_line_for_each_party(
        agent, language, date_line, bank_line, cardholder_line):
    plan = approved_plan(agent)
    text = words(pdf_text(agreement_pdf(plan=plan, language=language)))
    assert date_line + timezone.localtime(plan.decided_at).date().isoformat() in text
    for line in (bank_line, cardholder_line):
        signature = text.split(line, 1)[1][:80]
        assert "____" in signature and ("Date: ____" in signature or "日期：____" in signature)


@pytest.mark.parametrize(("language", "heading"), [("en", "Further terms agreed between the parties"),
                                                   ("zh-hans", "双方另行约定的条款")])
def test_further_terms_appear_as_the_parties_wrote_them_not_as_a_clause_of_the_bank(agent, language, heading):
    plan = approved_plan(agent)
    plan.terms = "# Salary arrives on the 10th.\nThe cardholder pays by bank transfer & keeps the receipt."
    plan.save(update_fields=["terms"])
    text = words(pdf_text(agreement_pdf(plan=plan, language=language)))
    further = text.split(heading, 1)[1]
    assert further.startswith(" # Salary arrives on the 10th. The cardholder pays by bank transfer & keeps the "
                              "receipt.")
    assert "4. " not in text


def test_an_agreement_without_further_terms_has_no_such_section(agent):
    text = words(pdf_text(agreement_pdf(plan=approved_plan(agent), language="en")))
    assert "Further terms" not in text
