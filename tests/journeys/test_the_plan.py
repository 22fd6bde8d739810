"""The plan, in Chinese: an agent proposes a plan beyond their authority with the dates the form offers and the
cardholder's income and expenditure, sees the disposable income beside the instalment, the supervisor (who sees
that the plan is beyond the agent's authority) approves it as the second person, the code the cardholder
received by SMS activates it, and the case page's Status and the queue show that the case now follows a plan."""

import json
from decimal import Decimal

import pytest
from django.utils import translation

from cases.lifecycle import Stage
from contacts.models import Channel, ContactStatus, ScheduledContact
from repayment_plans.models import PlanStatus, RepaymentPlan
from tests.escalation.helpers import case_at_dpd
from tests.journeys.day import PHONE, WORKDAY, escalation_pass_on_worker, queue_row, sign_in, snap, speak

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_plan_beyond_the_agents_authority_is_approved_and_activated_in_chinese(
        page, browser, live_server, agent, supervisor, team, worker, time_machine, settings, tmp_path, shots):
    time_machine.move_to(WORKDAY, tick=True)
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "sms.jsonl"
    speak("zh-hans", agent, supervisor)
    case = case_at_dpd(25, as_of=WORKDAY, total=Decimal("36000.00"), stage=Stage.CONTACT, assigned_team=team,
                       assigned_agent=agent, account__customer__phone="13912345678")
    escalation_pass_on_worker()
    base = live_server.url

    sign_in(page, base, "agent")
    page.goto(f"{base}/cases/queue/")
    assert "待联系" in queue_row(page, case.pk).locator("td").first.inner_text()
    queue_row(page, case.pk).get_by_role("link").click()
    panel = page.locator("#negotiation-panel")
    panel.get_by_label("按月还款期数").fill("24")  # beyond an agent's 12 months
    panel.locator("input[name=waive_interest]").fill("30")
    # The first due date the form offers, a month from today, as a date input can hold it in any language.
    assert panel.locator("input[name=first_due_date]").input_value() == "2030-04-05"
    # Art. 70's case for a plan, and the cardholder's income and expenditure as told on the call.
    panel.get_by_label("超出持卡人还款能力，但有还款意愿").check()
    panel.get_by_label("月收入").fill("9000")
    panel.get_by_label("工资").check()
    panel.get_by_label("家庭人口").fill("3")
    panel.get_by_label("每月必要开支").fill("5000")
    panel.get_by_label("每月偿还其他债务").fill("800")
    panel.get_by_role("button", name="计算还款计划").click()
    page.locator("#plan-preview").wait_for()
    figures = page.locator("#plan-affordability").inner_text()
    instalment = max(Decimal(amount) for amount in page.locator("#plan-preview td.num").all_inner_texts())
    assert "可支配收入" in figures and "3200.00 CNY" in figures and f"{instalment} CNY" in figures
    assert page.locator("#plan-affordability-warning").count() == 0  # it fits: no reason needed
    page.locator("#negotiation-panel").get_by_role("button", name="提交此方案").click()
    page.locator("#negotiation-panel .plan-status").get_by_text("待审批").wait_for()
    plan = RepaymentPlan.objects.get(case=case)
    assert (plan.status, plan.required_role, plan.instalment_count) == (PlanStatus.PENDING_APPROVAL, "supervisor", 24)
    assert plan.instalments.order_by("number").first().due_date.isoformat() == "2030-04-05"
    assert (plan.basis, plan.income_statement.disposable_income) == ("beyond_ability_willing", Decimal("3200.00"))
    card = page.locator(f"#plan-{plan.pk}")
    assert "可支配收入" in card.locator(".plan-affordability").inner_text()
    assert f"{instalment} CNY" in card.locator(".plan-affordability").inner_text()
    snap(page, shots, "journey-plan-proposed", agent)

    checker = browser.new_context(locale="zh-CN")
    try:
        other = checker.new_page()
        sign_in(other, base, "supervisor")
        other.goto(f"{base}/repayment-plans/approvals/")
        row = other.locator(f"#approval-{plan.pk}")
        assert "超出提出人权限：须由主管审批" in row.inner_text() and "3200.00" in row.inner_text()
        row.locator("input[name=reason]").fill("已核实收入，同意分期。")
        snap(other, shots, "journey-plan-approvals", supervisor)
        row = other.locator(f"#approval-{plan.pk}")
        row.locator("input[name=reason]").fill("已核实收入，同意分期。")
        row.get_by_role("button", name="批准").click()
        other.locator("#messages").get_by_text(f"方案 #{plan.pk} 已批准。").wait_for()
        assert other.locator(f"#approval-{plan.pk}").count() == 0
    finally:
        checker.close()
    plan.refresh_from_db()
    assert (plan.status, plan.decided_by, plan.approval_kind) == (PlanStatus.APPROVED, supervisor, "second_person")

    page.reload()
    assert "经第二人审批" in page.locator(f"#plan-{plan.pk} .plan-approval").inner_text()
    page.locator(f"form[action='/repayment-plans/plans/{plan.pk}/code/'] button").click()
    code_box = page.locator(f"#code-{plan.pk}")
    code_box.wait_for()
    body = json.loads(settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()[-1])["body"]
    code = "".join(ch for ch in body.split("验证码为")[1] if ch.isdigit())[:6]
    code_box.fill(code)
    page.get_by_role("button", name="凭确认码接受").click()
    page.locator("#negotiation-panel .plan-status").get_by_text("执行中").wait_for()
    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and case.stage == Stage.FOLLOW_UP

    # The Status card says so, in Chinese, without the agent reloading anything.
    with translation.override("zh-hans"):
        follow_up = str(Stage.FOLLOW_UP.label)
    status = page.locator("section[aria-labelledby=h-status]")
    assert follow_up in status.inner_text()
    # The timeline reads in Chinese, down to the reasons the portal wrote.
    page.locator("#timeline").get_by_text("还款方案已达成，跟踪分期还款。").wait_for()
    page.locator("#timeline").get_by_text("持卡人已通过短信验证码接受。").wait_for()
    # The call task is cancelled, and the queue no longer offers the case for contact.
    assert not ScheduledContact.objects.filter(case=case, channel=Channel.CALL, status=ContactStatus.SCHEDULED).exists()
    snap(page, shots, "journey-plan-active", agent)
    page.goto(f"{base}/cases/queue/")
    page.get_by_role("heading", name="我的队列").wait_for()
    assert queue_row(page, case.pk).count() == 0


def test_a_team_set_to_assign_by_load_gets_its_placed_case_given_to_its_least_loaded_agent(
        page, browser, live_server, agent, supervisor, team, worker, time_machine, shots):
    """A supervisor ticks "assign new cases by load" for their team (in Chinese), the morning's pass places a new
    case of the team (confirm → plan) and gives it to the agent with the fewest open cases; the plan panel names
    that agent in both languages, and the agent finds the case on their phone."""
    from cases.models import StageHistory
    from staff.models import Role
    from tests.factories import CaseFactory, staff_user

    time_machine.move_to(WORKDAY, tick=True)
    quieter = staff_user(Role.AGENT, team, user__username="agent3")
    for _ in range(2):
        CaseFactory(stage=Stage.CONTACT, assigned_team=team, assigned_agent=agent)
    speak("zh-hans", supervisor, quieter)
    base = live_server.url

    sign_in(page, base, "supervisor")
    page.goto(f"{base}/dashboards/manage/teams/")
    row = page.locator(f"#team-{team.pk}")
    row.get_by_label("按负荷分配新案件").check()
    row.get_by_role("button", name="保存").click()
    page.locator("#messages").get_by_text(f"{team.name} 的设置已保存。").wait_for()
    assert page.locator(f"#team-{team.pk}").get_by_label("按负荷分配新案件").is_checked()
    snap(page, shots, "journey-team-assigns-by-load", supervisor)
    team.refresh_from_db()
    assert team.assigns_by_load

    case = case_at_dpd(20, as_of=WORKDAY, total=Decimal("8000.00"), assigned_team=team)
    escalation_pass_on_worker()
    case.refresh_from_db()
    assert (case.stage, case.assigned_agent) == (Stage.PLAN, quieter)
    assert StageHistory.objects.filter(case=case, to_stage=Stage.PLAN, actor_label="system").exists()

    page.goto(f"{base}/cases/{case.pk}/")
    plan = page.locator("#plan-panel")
    assert plan.locator("#plan-agent").inner_text() == "agent3 · 按负荷分配"
    assert plan.locator("#plan-team").inner_text() == team.name
    snap(page, shots, "journey-plan-assigned-by-load", supervisor)
    speak("en", supervisor)
    page.goto(f"{base}/cases/{case.pk}/")
    assert page.locator("#plan-agent").inner_text() == "agent3 · assigned by load"
    assert "Phone call" in page.locator("#plan-next-actions").inner_text()

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    try:
        mobile = phone.new_page()
        sign_in(mobile, base, "agent3")
        mobile.goto(f"{base}/cases/queue/")
        queue_row(mobile, case.pk).get_by_role("link").click()
        mobile.wait_for_url(f"{base}/cases/{case.pk}/")
        assert mobile.locator("#plan-agent").inner_text() == "agent3 · 按负荷分配"
        assert mobile.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        snap(mobile, shots, "journey-plan-assigned-by-load-phone", quieter)
    finally:
        phone.close()
