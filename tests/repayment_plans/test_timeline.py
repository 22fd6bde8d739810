"""A plan's steps on the case timeline read in the reader's language, down to the reasons the portal wrote."""

import json

import pytest
from django.utils import translation

from cases.timeline import case_timeline
from repayment_plans.plans import plan_accept_with_code, plan_acceptance_code_send
from tests.factories import AccountFactory, CustomerFactory
from tests.repayment_plans.helpers import NOW, contact_case, propose

pytestmark = pytest.mark.django_db


def test_a_plan_agreed_by_sms_code_reads_in_chinese_on_the_timeline_and_a_typed_reason_as_typed(
        agent, tmp_path, settings):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "sms.jsonl"
    account = AccountFactory(customer=CustomerFactory(phone="+8613800000000"))
    plan = propose(contact_case(agent, account=account), agent, count=3, interest=20)
    plan_acceptance_code_send(plan=plan, actor=agent, at=NOW)
    body = json.loads(settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()[-1])["body"]
    plan_accept_with_code(plan=plan, code="".join(ch for ch in body.split("验证码为")[-1] if ch.isdigit())[:6],
                          actor=agent, at=NOW)

    with translation.override("zh-hans"):
        details = [entry["detail"] for entry in case_timeline(case=plan.case)]
    for chinese in ("还款方案已达成，跟踪分期还款。", "持卡人已通过短信验证码接受。", "在提出人权限范围内。",
                    "已提交。", "已提交还款方案：等待审批和持卡人接受。"):
        assert chinese in details
    assert not any(detail.startswith(("Repayment plan", "Accepted by", "Proposed")) for detail in details)

    with translation.override("en"):
        details = [entry["detail"] for entry in case_timeline(case=plan.case)]
    assert "Accepted by the cardholder with the code sent by SMS." in details


def test_a_reason_staff_typed_is_shown_as_typed(agent, supervisor):
    from cases.lifecycle import HoldKind
    from cases.services import case_hold_place

    case = contact_case(agent)
    case_hold_place(case=case, kind=HoldKind.DISPUTE, actor=supervisor, reason="持卡人称已还清，待核实。")
    with translation.override("zh-hans"):
        assert "持卡人称已还清，待核实。" in [entry["detail"] for entry in case_timeline(case=case)]


def test_a_promise_taken_reads_in_chinese_on_the_timeline_with_its_figures(agent):
    import datetime as dt
    from decimal import Decimal

    from repayment_plans.promises import promise_take

    case = contact_case(agent)
    due = NOW.date() + dt.timedelta(days=5)
    promise_take(case=case, amount=Decimal("500.00"), due_date=due, channel="call", actor=agent, at=NOW)
    with translation.override("zh-hans"):
        details = [entry["detail"] for entry in case_timeline(case=case)]
    assert f"承诺于 {due.isoformat()} 前还款 500.00 {case.currency}。" in details
    with translation.override("en"):
        details = [entry["detail"] for entry in case_timeline(case=case)]
    assert f"Promise to pay 500.00 {case.currency} by {due.isoformat()}." in details
