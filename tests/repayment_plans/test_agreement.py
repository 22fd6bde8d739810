import io
import json
import re
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
    assert ("Default: any amount not paid in full within 3 days after its date is a default. On default this "
            "agreement ends, and the waiver with it: the whole debt still unpaid falls due at once") in text
    assert ("While the cardholder keeps to this agreement, the bank stops collection: no collection calls, letters "
            "or visits. It sends only a reminder before each instalment.") in text


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
    assert not re.search(r"[0-9]\. # Salary", text)  # not numbered as one of the bank's clauses


def test_an_agreement_without_further_terms_has_no_such_section(agent):
    text = words(pdf_text(agreement_pdf(plan=approved_plan(agent), language="en")))
    assert "Further terms" not in text


# --- what Art. 70 asks the agreement to state -----------------------------------------------------------

CLAUSES = {
    "en": {
        "schedule": "Schedule",
        "interest and fees": "Interest and fees during the plan",
        "how to pay": "How to pay",
        "collection stops": "While the cardholder keeps to this agreement, the bank stops collection",
        "default": "Default: any amount not paid in full within 3 days after its date is a default.",
        "no new cards": "the cardholder undertakes not to apply for new credit cards",
        "rights and obligations": "Rights and obligations of the parties",
        "the bank's side": "The bank: stops collection while the plan is kept",
        "the cardholder's side": "The cardholder: pays each amount in full by its date",
        "signatures": "Signatures",
        "date": "Date of this agreement: ",
    },
    "zh-hans": {
        "schedule": "还款计划",
        "interest and fees": "还款期间的利息和费用",
        "how to pay": "还款方式",
        "collection stops": "持卡人履行本协议期间，银行停止催收",
        "default": "任何一期款项在到期日后3天内未足额偿还的，视为违约。",
        "no new cards": "持卡人承诺不申请新的信用卡",
        "rights and obligations": "双方的权利和义务",
        "the bank's side": "银行：持卡人履行本协议期间停止催收",
        "the cardholder's side": "持卡人：按期足额偿还每期款项",
        "signatures": "签署",
        "date": "协议日期：",
    },
}
REPAYMENT = {"en": ("Account name: ", "Account number: ", "Held at: ", "Reference: "),
             "zh-hans": ("户名：", "账号：", "开户行：", "还款参考号：")}


@pytest.fixture
def repayment_settings(settings):
    settings.PLAN_REPAYMENT_ACCOUNT_NAME = "信用卡中心还款专户"
    settings.PLAN_REPAYMENT_ACCOUNT_NUMBER = "1001 2030 0900 0012 345"
    settings.PLAN_REPAYMENT_ACCOUNT_BANK = "总行营业部"
    settings.PLAN_REPAYMENT_REFERENCE = "PLAN-{plan}-{card}"
    settings.PLAN_NO_NEW_CARDS_UNDERTAKING = True
    settings.PLAN_INTEREST_RATE = Decimal("0")
    return settings


def no_spaces(text: str) -> str:
    """Extracted text without any spacing: Chinese lines wrap between any two characters."""
    return "".join(text.split())


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_agreement_states_every_clause_art_70_requires(agent, repayment_settings, language):
    plan = approved_plan(agent)
    text = no_spaces(pdf_text(agreement_pdf(plan=plan, language=language)))
    missing = [name for name, clause in CLAUSES[language].items() if no_spaces(clause) not in text]
    assert missing == []
    for label, value in zip(REPAYMENT[language], ("信用卡中心还款专户", "1001 2030 0900 0012 345", "总行营业部",
                                                  f"PLAN-{plan.pk}-{plan.case.account.account_number[-4:]}"),
                            strict=True):
        assert no_spaces(label + value) in text
    for instalment in plan.instalments.all():
        assert no_spaces(f"{instalment.due_date.isoformat()} {instalment.amount}") in text


@pytest.mark.parametrize(("language", "accrual"), [
    ("en", "Interest and fees continue to accrue during the plan, at 7.3% a year on the unpaid balance."),
    ("zh-hans", "还款期间，未还余额继续按年利率7.3%计收利息和费用"),
])
def test_the_rate_the_core_system_sends_is_the_rate_the_agreement_states(agent, repayment_settings, language,
                                                                          accrual):
    repayment_settings.PLAN_INTEREST_RATE = Decimal("18.25")
    account = AccountFactory(customer=CustomerFactory(name="王小明"), plan_interest_rate=Decimal("7.3000"),
                             repayment_reference="RP-8800123")
    plan = propose(contact_case(agent, account=account), agent, count=3, interest=20)
    text = no_spaces(pdf_text(agreement_pdf(plan=plan, language=language)))
    assert no_spaces(accrual) in text and "18.25" not in text
    # The account's own reference replaces the bank's format.
    assert no_spaces(REPAYMENT[language][3] + "RP-8800123") in text and f"PLAN-{plan.pk}" not in text


@pytest.mark.parametrize(("language", "accrual", "none"), [
    ("en", "at 18.25% a year on the unpaid balance", "No interest or fees accrue"),
    ("zh-hans", "按年利率18.25%计收利息和费用", "不再计收利息和费用"),
])
def test_without_a_rate_from_the_core_system_the_banks_default_applies(agent, repayment_settings, language,
                                                                        accrual, none):
    repayment_settings.PLAN_INTEREST_RATE = Decimal("18.25")
    charged = approved_plan(agent)
    text = no_spaces(pdf_text(agreement_pdf(plan=charged, language=language)))
    assert no_spaces(accrual) in text and no_spaces(none) not in text


@pytest.mark.parametrize(("language", "none"), [("en", "No interest or fees accrue during the plan"),
                                                ("zh-hans", "还款期间不再计收利息和费用")])
def test_a_zero_rate_says_that_nothing_accrues(agent, repayment_settings, language, none):
    account = AccountFactory(customer=CustomerFactory(name="王小明"), plan_interest_rate=Decimal("0"))
    plan = propose(contact_case(agent, account=account), agent, count=3, interest=20)
    text = no_spaces(pdf_text(agreement_pdf(plan=plan, language=language)))
    assert no_spaces(none) in text and "%" not in text


def test_the_rate_is_fixed_when_the_plan_is_proposed(agent, repayment_settings):
    account = AccountFactory(customer=CustomerFactory(name="王小明"), plan_interest_rate=Decimal("7.3"))
    plan = propose(contact_case(agent, account=account), agent, count=3, interest=20)
    account.plan_interest_rate = Decimal("24")
    account.save(update_fields=["plan_interest_rate"])
    plan.refresh_from_db()
    assert plan.interest_rate == Decimal("7.3")
    assert "7.3% a year" in words(pdf_text(agreement_pdf(plan=plan, language="en")))


@pytest.mark.parametrize(("language", "undertaking"), [
    ("en", "the cardholder undertakes not to apply for new credit cards"),
    ("zh-hans", "持卡人承诺不申请新的信用卡"),
])
def test_the_no_new_cards_undertaking_follows_the_banks_policy(agent, repayment_settings, language, undertaking):
    repayment_settings.PLAN_NO_NEW_CARDS_UNDERTAKING = False
    text = no_spaces(pdf_text(agreement_pdf(plan=approved_plan(agent), language=language)))
    assert no_spaces(undertaking) not in text
    assert no_spaces(CLAUSES[language]["default"]) in text  # the other clauses stay
