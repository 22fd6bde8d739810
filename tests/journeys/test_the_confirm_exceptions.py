"""The stages, in a working day: a case the core system reported without a way to reach the cardholder waits
in confirm; the supervisor finds it on the exceptions list (in English, then in Chinese), adds the number the
cardholder gave, the pass places the case in plan and the case page shows the plan; the agent's call is the
first contact made, and the case is in contact."""

import pytest

from cases.lifecycle import ConfirmCheck, Stage
from cases.models import Case, ContactPoint, StageHistory
from tests.escalation.helpers import case_at_dpd
from tests.factories import CustomerFactory
from tests.journeys.day import WORKDAY, escalation_pass_on_worker, sign_in, snap, speak

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def stage(case) -> str:
    return Case.objects.get(pk=case.pk).stage


def test_a_case_waits_in_confirm_is_fixed_placed_in_plan_and_enters_contact_with_the_first_call(
        page, browser, live_server, agent, supervisor, team, worker, time_machine, shots):
    time_machine.move_to(WORKDAY, tick=True)
    speak("en", agent, supervisor)
    customer = CustomerFactory(name="李娜", phone="", email="", address="")
    case = case_at_dpd(20, as_of=WORKDAY, customer=customer, assigned_team=team, assigned_agent=agent)
    escalation_pass_on_worker()
    assert stage(case) == Stage.CONFIRM
    assert Case.objects.get(pk=case.pk).confirm_exceptions == [ConfirmCheck.CONTACT_POINT]
    base = live_server.url

    sign_in(page, base, "supervisor")
    page.get_by_role("link", name="Confirm exceptions").click()
    row = page.locator(f"#exception-{case.pk}")
    assert "no phone number, email or address" in row.inner_text()
    snap(page, shots, "journey-confirm-exceptions", supervisor)  # English, then Chinese
    speak("zh-hans", supervisor)
    page.goto(page.url)
    assert "确认异常" in page.locator("h1").inner_text()
    assert "持卡人没有登记电话号码" in page.locator(f"#exception-{case.pk}").inner_text()
    page.locator(f"#exception-{case.pk}").get_by_role("link", name="处理").click()
    page.wait_for_url(f"{base}/cases/exceptions/{case.pk}/")
    form = page.locator("#fix-contact-point")
    form.locator("select[name=contact-point-kind]").select_option("mobile")
    form.locator("input[name=contact-point-phone]").fill("13912345678")
    form.locator("select[name=contact-point-source]").select_option("cardholder")
    form.locator("input[name=contact-point-source_note]").fill("持卡人来电提供的新号码")
    form.get_by_role("button").click()
    page.wait_for_url(f"{base}/cases/exceptions/")
    page.locator("#messages").get_by_text(f"案件 #{case.pk} 已通过确认检查").wait_for()
    assert page.locator(f"#exception-{case.pk}").count() == 0
    assert ContactPoint.objects.filter(customer=customer, source_note="持卡人来电提供的新号码").exists()

    escalation_pass_on_worker()
    assert stage(case) == Stage.PLAN
    speak("en", supervisor)
    page.goto(f"{base}/cases/{case.pk}/")
    plan = page.locator("#plan-panel")
    assert "T2" in plan.locator("#plan-tier").inner_text()
    assert "Phone call" in plan.locator("#plan-next-actions").inner_text()
    snap(page, shots, "journey-confirm-plan", supervisor)

    agent_context = browser.new_context()
    try:
        other = agent_context.new_page()
        sign_in(other, base, "agent")
        other.goto(f"{base}/cases/{case.pk}/")
        panel = other.locator("#contact-panel")
        panel.get_by_label("Outcome").select_option("no_answer")
        panel.get_by_label("Number").select_option(index=1)
        panel.get_by_role("button", name="Log the outcome").click()
        other.locator("#messages").get_by_text("Contact logged.").wait_for()
    finally:
        agent_context.close()
    assert stage(case) == Stage.CONTACT
    moves = list(StageHistory.objects.filter(case=case).order_by("created_at", "id")
                 .values_list("from_stage", "to_stage", "actor_label"))
    assert moves == [(Stage.CONFIRM, Stage.PLAN, "system"), (Stage.PLAN, Stage.CONTACT, "agent")]
