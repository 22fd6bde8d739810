"""An outside agency's day: a supervisor places a case, the agency's agent (two factors, least personal
data) works it and takes a promise, a payment arrives, and the agency earns a commission line that its
manager reads on the month's statement."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from agencies.models import CommissionLine, Placement
from agencies.services import agency_create
from agencies.tasks import refresh_agency_totals
from cases.ingest import PaymentReport, payments_ingest
from cases.lifecycle import Stage
from core.actors import SYSTEM
from escalation.services import PassSummary
from repayment_plans.models import Promise
from staff.models import Role
from tests.escalation.helpers import case_at_dpd
from tests.factories import staff_user
from tests.journeys.day import (
    PHONE,
    WORKDAY,
    escalation_pass_on_worker,
    sign_in,
    sign_in_with_code,
    snap,
    speak,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_placed_case_is_worked_by_the_agency_and_earns_its_commission(browser, live_server, supervisor, team,
                                                                        time_machine, shots):
    time_machine.move_to(WORKDAY, tick=True)
    agency = agency_create(name="安信催收 Anxin Collections", licence="SH-2030-01", actor=SYSTEM,
                           commission_percent=Decimal("12.5"), regions=["上海市"])
    agency_agent = staff_user(Role.AGENCY_AGENT, None, agency=agency, user__username="anxin.agent")
    agency_manager = staff_user(Role.AGENCY_MANAGER, None, agency=agency, user__username="anxin.manager")
    for user in (agency_agent, agency_manager):
        user.set_password("correct-horse-battery")
        user.save()
    speak("en", supervisor, agency_agent, agency_manager)
    case = case_at_dpd(100, as_of=WORKDAY, total=Decimal("20000.00"), stage=Stage.CONTACT, assigned_team=team)
    other = case_at_dpd(100, as_of=WORKDAY, stage=Stage.CONTACT, assigned_team=team)
    base = live_server.url

    # The supervisor places the case from its page.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, "supervisor")
    page.goto(f"{base}/cases/{case.pk}/")
    panel = page.locator("#placement-panel")
    panel.get_by_label("Agency").select_option(label=agency.name)
    panel.get_by_label("Reason").fill("Late stage, no contact in-house")
    panel.get_by_role("button", name="Place with the agency").click()
    page.locator("#messages").get_by_text("Placed with").wait_for()
    page.locator("#timeline").get_by_text("Placed with 安信催收").wait_for()
    snap(page, shots, "journey-agency-placed", supervisor)
    context.close()

    # The agency's agent, on a phone, sees the case and not the other; takes a promise.
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in_with_code(page, base, "anxin.agent")
    assert page.goto(f"{base}/cases/{other.pk}/").status == 404
    page.goto(f"{base}/cases/{case.pk}/")
    customer = case.account.customer
    html = page.content()
    assert customer.name in html and customer.national_id not in html
    negotiation = page.locator("#negotiation-panel")
    negotiation.get_by_label("Amount promised").fill("1000.00")
    negotiation.get_by_label("Promised date").fill("2030-03-08")
    negotiation.get_by_label("Taken by").select_option("call")
    negotiation.get_by_role("button", name="Record the promise").click()
    page.locator("#messages").get_by_text("Promise to pay of 1000.00 CNY by").wait_for()
    assert Promise.objects.get(case=case).amount == Decimal("1000.00")
    snap(page, shots, "journey-agency-agent-promise", agency_agent)
    context.close()

    # The money arrives; the agency earns 12.5 % of it.
    paid_at = WORKDAY + dt.timedelta(days=2)
    time_machine.move_to(paid_at + dt.timedelta(hours=1), tick=True)
    payments_ingest(reports=[PaymentReport(transaction_id="TX-AGENCY-1", account_number=case.account.account_number,
                                           amount=Decimal("1000.00"), currency="CNY", paid_at=paid_at)])
    line = CommissionLine.objects.get(case=case)
    assert (line.agency, line.amount) == (agency, Decimal("125.00"))

    # The agency's manager reads it on the month's statement.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_with_code(page, base, "anxin.manager")
    page.goto(f"{base}/agencies/{agency.pk}/statements/2030-3/CNY/")
    page.get_by_text("125.00").first.wait_for()
    snap(page, shots, "journey-agency-statement", agency_manager)

    # On the agencies dashboard, in Chinese: nothing counted yet, then the 15-minute count has the case placed
    # and the money recovered, and says when it counted.
    speak("zh-hans", agency_manager)
    page.goto(f"{base}/agencies/dashboard/")
    page.get_by_text("每 15 分钟统计一次；首次统计尚未运行。").wait_for()
    refresh_agency_totals()
    page.goto(f"{base}/agencies/dashboard/")
    page.get_by_text("每 15 分钟重新统计").wait_for()
    row = page.locator("tbody tr").filter(has_text=agency.name)
    row.get_by_text("1000.00 CNY").wait_for()
    snap(page, shots, "journey-agency-dashboard", agency_manager)
    context.close()
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in_with_code(page, base, "anxin.manager")
    page.goto(f"{base}/agencies/dashboard/")
    page.get_by_text("1000.00 CNY").wait_for()
    snap(page, shots, "journey-agency-dashboard-phone", agency_manager)
    context.close()


SMS_ZH = "【{{ agency }}】{{ name }}您好，您尾号{{ card_last4 }}的信用卡逾期{{ dpd }}天，金额{{ amount }}。" \
         "请致电{{ phone }}。"
SMS_EN = "[{{ agency }}] Dear {{ name }}, your card ending {{ card_last4 }} is {{ dpd }} days overdue: {{ amount }}. " \
         "Please call {{ phone }}."


def test_a_manager_puts_the_agencys_template_set_in_force_and_placed_cases_get_its_sms(
        browser, live_server, manager, supervisor, team, worker, time_machine, shots, settings, tmp_path):
    import json

    from agencies.services import placements_create
    from contacts.models import ContactStatus, ScheduledContact
    from tests.factories import CustomerFactory
    from tests.journeys.day import escalation_pass_on_worker, task_on_worker

    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "outbox.jsonl"
    time_machine.move_to(WORKDAY, tick=True)
    agency = agency_create(name="安信催收 Anxin Collections", licence="SH-2030-02", actor=SYSTEM)
    speak("zh-hans", manager)
    chinese = case_at_dpd(5, as_of=WORKDAY, stage=Stage.CONTACT, assigned_team=team,
                          customer=CustomerFactory(language="zh-hans", phone="13800138001"))
    english = case_at_dpd(5, as_of=WORKDAY, stage=Stage.CONTACT, assigned_team=team,
                          customer=CustomerFactory(language="en", phone="13800138002"))
    placements_create(case_ids=[chinese.pk, english.pk], agency=agency, actor=supervisor)
    base = live_server.url

    # The manager, in Chinese, types the agency's SMS in both languages; a placeholder the portal does not know
    # is refused beside its box, and both texts stay as typed.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, "manager")
    page.goto(f"{base}/agencies/{agency.pk}/")
    page.get_by_role("link", name="模板集").click()
    page.locator("textarea[name=sms_zh_hans]").fill(SMS_ZH + "{{ national_id }}")
    page.locator("textarea[name=sms_en]").fill(SMS_EN)
    page.locator("input[name=note]").fill("机构短信文本")
    page.get_by_role("button", name="保存此版本").click()
    error = page.locator("#id_sms_zh_hans_error")
    error.wait_for()
    assert "national_id" in error.inner_text() and "未知占位符" in error.inner_text()
    assert page.locator("textarea[name=sms_en]").input_value() == SMS_EN
    snap(page, shots, "journey-agency-template-refused", manager)
    # The pictures opened the page afresh; the manager types the texts again, without the unknown placeholder.
    page.locator("textarea[name=sms_zh_hans]").fill(SMS_ZH)
    page.locator("textarea[name=sms_en]").fill(SMS_EN)
    page.get_by_role("button", name="保存此版本").click()
    page.locator("#messages").get_by_text("已保存第 1 版").wait_for()
    page.get_by_role("button", name="设为生效").click()
    page.locator("#messages").get_by_text("第 1 版已生效").wait_for()
    snap(page, shots, "journey-agency-template-in-force", manager)
    context.close()

    # The morning's pass plans each placed case's SMS, and delivery sends the agency's text in the cardholder's
    # language.
    escalation_pass_on_worker()
    assert set(ScheduledContact.objects.filter(case__in=[chinese, english]).values_list("rule", flat=True)) \
        == {"T1.sms"}
    task_on_worker("contacts.send_due", until=lambda: ScheduledContact.objects.filter(
        case__in=[chinese, english], status=ContactStatus.SENT).count() == 2)
    sent = {json.loads(line)["to"]: json.loads(line)["body"]
            for line in (tmp_path / "outbox.jsonl").read_text(encoding="utf-8").splitlines()}
    assert sent["13800138001"].startswith(f"【{agency.name}】{chinese.account.customer.name}您好")
    assert sent["13800138002"].startswith(f"[{agency.name}] Dear {english.account.customer.name},")

    # The supervisor sees on the case's timeline the SMS that went out.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, "supervisor")
    page.goto(f"{base}/cases/{english.pk}/")
    page.locator("#timeline").get_by_text("T1.sms").first.wait_for()
    snap(page, shots, "journey-agency-template-sms-sent", supervisor)
def test_a_manager_has_the_policy_place_late_cases_and_the_agencys_manager_sees_them(
        browser, live_server, manager, team, worker, time_machine, shots):
    time_machine.move_to(WORKDAY, tick=True)
    agency = agency_create(name="安信催收 Anxin Collections", licence="SH-2030-01", actor=SYSTEM, regions=["上海"],
                           capacity=5)
    agency_manager = staff_user(Role.AGENCY_MANAGER, None, agency=agency, user__username="anxin.manager")
    for user in (manager, agency_manager):
        user.set_password("correct-horse-battery")
        user.save()
    speak("zh-hans", manager)
    speak("en", agency_manager)
    late = case_at_dpd(100, as_of=WORKDAY, total=Decimal("20000.00"), stage=Stage.CONTACT, assigned_team=team)
    small = case_at_dpd(100, as_of=WORKDAY, total=Decimal("2000.00"), stage=Stage.CONTACT, assigned_team=team)
    base = live_server.url

    # The manager adds the placement to the last tier, for amounts from 5,000, and previews it.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, "manager")
    page.goto(f"{base}/dashboards/manage/policy/")
    rules = page.locator("textarea[name=definition]")
    draft = json.loads(rules.input_value())
    draft["tiers"][-1]["actions"].append({"code": "T5.agency", "channel": "place_with_agency",
                                          "cadence": "on_entry", "regions": ["上海"], "min_amount": "5000.00"})
    rules.fill(json.dumps(draft, ensure_ascii=False, indent=2))
    page.locator("input[name=note]").fill("逾期91天以上、5000元以上的案件委外")
    page.locator("button[value=preview]").click()
    placed = page.locator("#table-preview-placed")
    placed.wait_for(timeout=60_000)
    row = placed.locator("tbody tr").filter(has_text=agency.name)
    assert row.locator("td").nth(2).inner_text() == "1"  # the draft places the late, large case only
    assert "委外机构接收的案件" in page.content()
    snap(page, shots, "journey-agency-policy-preview", manager)

    # The manager activates the draft; the morning's pass places the case.
    page.locator("button[value=activate]").click()
    page.locator("#messages").wait_for()
    context.close()
    run = escalation_pass_on_worker()
    assert sum(PassSummary.from_dict(chunk.summary).placed[agency.name] for chunk in run.chunks.all()) == 1
    assert Placement.objects.get(case=late, ended_at__isnull=True).agency == agency
    assert not Placement.objects.filter(case=small).exists()

    # The agency's manager finds the case among the agency's placements, placed by the contact policy.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in_with_code(page, base, "anxin.manager")
    page.goto(f"{base}/agencies/{agency.pk}/")
    now_placed = page.locator("section").filter(has=page.locator("#h-placed"))
    now_placed.get_by_text(f"#{late.pk}").first.wait_for()
    assert f"#{small.pk}" not in now_placed.inner_text()
    page.goto(f"{base}/cases/{late.pk}/")
    page.locator("#timeline").get_by_text("Placed by the contact policy (rule T5.agency).").wait_for()
    assert "placed by system on" in page.locator("#placement-panel").inner_text()
    snap(page, shots, "journey-agency-placed-by-policy", agency_manager)
    speak("zh-hans", agency_manager)
    page.goto(f"{base}/cases/{late.pk}/")
    assert "由 系统 于" in page.locator("#placement-panel").inner_text()
    page.locator("#timeline").get_by_text("由催收策略委外（规则 T5.agency）。").wait_for()
    context.close()
