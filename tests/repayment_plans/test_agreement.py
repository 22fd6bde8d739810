import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
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
