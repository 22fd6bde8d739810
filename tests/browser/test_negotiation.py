"""Negotiation in the browser: an agent proposes a plan beyond their authority, a supervisor approves
it, the agreement PDF downloads, and the code the cardholder received by SMS activates the plan."""

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cases.lifecycle import Stage
from repayment_plans.models import PlanStatus, RepaymentPlan
from staff.models import StaffProfile
from tests.browser.conftest import login
from tests.factories import CaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WORKDAY = dt.datetime(2030, 3, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_plan_beyond_the_agents_authority_is_approved_agreed_and_activated(
    page, browser, live_server, agent, supervisor, team, time_machine, settings, tmp_path,
):
    time_machine.move_to(WORKDAY, tick=True)
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "sms.jsonl"
    StaffProfile.objects.filter(user__in=[agent, supervisor]).update(language="en")
    case = CaseFactory(stage=Stage.CONTACT, assigned_team=team, account__customer__name="王芳",
                       account__customer__phone="13912345678")

    login(page, live_server, "agent")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    panel = page.locator("#negotiation-panel")
    panel.get_by_label("Monthly payments").fill("24")  # beyond an agent's 12 months
    panel.get_by_label("Waive interest (%)").fill("30")
    panel.get_by_label("Beyond the cardholder's ability, with willingness to pay").check()
    panel.get_by_role("button", name="Calculate the schedule").click()
    page.locator("#plan-preview").wait_for()
    page.locator("#negotiation-panel").get_by_role("button", name="Propose this plan").click()
    page.locator("#negotiation-panel .plan-status").get_by_text("Awaiting approval").wait_for()
    plan = RepaymentPlan.objects.get(case=case)
    assert (plan.status, plan.required_role, plan.instalment_count) == (PlanStatus.PENDING_APPROVAL, "supervisor", 24)

    checker = browser.new_context(locale="en-US", accept_downloads=True)
    try:
        other = checker.new_page()
        login(other, live_server, "supervisor")
        other.goto(f"{live_server.url}/repayment-plans/approvals/")
        row = other.locator(f"#approval-{plan.pk}")
        row.get_by_label("Reason for the decision").fill("Income verified by the agent's call.")
        row.get_by_role("button", name="Approve").click()
        other.get_by_text("Nothing awaits your approval.").wait_for()
    finally:
        checker.close()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.decided_by == supervisor

    page.reload()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="中文 (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"agreement-{plan.pk}-zh-hans.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")

    page.get_by_role("button", name="Send the acceptance code by SMS").click()
    code_box = page.get_by_label("Code the cardholder received")
    code_box.wait_for()
    body = json.loads(settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()[-1])["body"]
    code = "".join(ch for ch in body.split("验证码为")[1] if ch.isdigit())[:6]
    code_box.fill(code)
    page.get_by_role("button", name="Accept with the code").click()
    page.locator("#negotiation-panel .plan-status").get_by_text("Active").wait_for()
    page.locator("#timeline").get_by_text("Active").first.wait_for()
    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and case.stage == Stage.FOLLOW_UP
