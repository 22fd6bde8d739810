"""The field visit the policy asks for: the pass plans it, the pickup puts the request on the board, the
supervisor sends two agents (a large debt), the field agent checks in and reports at 390 px, and the case's
timeline and stage show the visit and the promise it brought."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from cases.lifecycle import Stage
from staff.models import Role, StaffProfile
from tests.factories import AccountFactory, CaseFactory, CustomerFactory, staff_user
from tests.journeys.day import PHONE, WORKDAY, escalation_pass_on_worker, sign_in, snap, speak, task_on_worker
from visits.models import Visit, VisitReport, VisitStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visit_planned_by_the_policy_is_assigned_to_two_agents_and_reported_from_a_phone(
        page, browser, live_server, supervisor, team, worker, time_machine, settings, tmp_path, shots):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(WORKDAY, tick=True)
    field = staff_user(Role.FIELD_AGENT, team, user__username="field")
    partner = staff_user(Role.FIELD_AGENT, team, user__username="field2")
    StaffProfile.objects.filter(user__in=[field, partner]).update(region="上海")
    speak("en", supervisor, field)
    # 70 days past due: the field tier (T4) asks for a visit on entry; 120,000 CNY asks for two agents.
    customer = CustomerFactory(name="王芳", address="上海市徐汇区漕溪北路 88 号", region="上海")
    case = CaseFactory(account=AccountFactory(customer=customer), stage=Stage.CONTACT, assigned_team=team,
                       overdue_since=WORKDAY.date() - dt.timedelta(days=70), principal_overdue=Decimal("120000.00"))
    escalation_pass_on_worker()
    task_on_worker("visits.from_escalation", until=lambda: Visit.objects.filter(case=case).exists())
    visit = Visit.objects.get(case=case)
    assert (visit.status, visit.origin, visit.region) == (VisitStatus.REQUESTED, "escalation", "上海")
    base = live_server.url

    sign_in(page, base, "supervisor")
    page.get_by_role("link", name="Visits", exact=True).click()
    request = page.locator("article.visit-assign").filter(has_text=f"#{visit.pk}")
    request.locator(f"#two-{visit.pk}").wait_for()  # policy asks for two agents
    snap(page, shots, "journey-visit-board", supervisor)
    request = page.locator("article.visit-assign").filter(has_text=f"#{visit.pk}")
    request.get_by_label("Field agent", exact=True).select_option(str(field.pk))
    request.get_by_label("Second field agent").select_option(str(partner.pk))
    request.get_by_label("Date").fill("2030-03-05")
    request.get_by_label("From (cardholder's time)").fill("14:00")
    request.get_by_label("Until (cardholder's time)").fill("16:00")
    request.get_by_role("button", name="Assign").click()
    page.locator("#messages").get_by_text(f"Visit #{visit.pk} assigned to field, field2.").wait_for()
    visit.refresh_from_db()
    assert (visit.status, visit.assigned_to, visit.second_agent) == (VisitStatus.ASSIGNED, field, partner)

    phone = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    try:
        page = phone.new_page()
        sign_in(page, base, "field")
        page.get_by_role("link", name="My visits").click()
        page.get_by_role("link", name=f"Stop 1 · visit #{visit.pk}").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        snap(page, shots, "journey-visit-day-390", field)
        page.get_by_role("link", name=f"Stop 1 · visit #{visit.pk}").click()
        page.get_by_label("Latitude").fill("31.190100")
        page.get_by_label("Longitude").fill("121.430200")
        page.get_by_role("button", name="Check in now").click()
        page.get_by_role("heading", name="Visit report").wait_for()
        page.get_by_label("Outcome").select_option("met_cardholder")
        page.get_by_label("Identity verified by").select_option("id_card")
        page.get_by_label("Amount owed confirmed with the cardholder").check()
        page.get_by_label("Reason for the delinquency").fill("Shop closed for renovation in January")
        page.get_by_label("Willingness to repay").select_option("willing")
        page.get_by_label("Cardholder's attitude").select_option("cooperative")
        page.get_by_label("Next step").select_option("promise")
        page.get_by_label("Promised amount").fill("5000.00")
        page.get_by_label("Promised by").fill("2030-03-15")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(shots / "journey-visit-report-390-en.png"), full_page=True)
        page.get_by_role("button", name="Complete the visit").click()
        page.get_by_text("Visit report saved.").wait_for()
        visit.refresh_from_db()
        assert visit.status == VisitStatus.COMPLETED
        assert VisitReport.objects.get(visit=visit).promise_amount == Decimal("5000.00")
        snap(page, shots, "journey-visit-report-done-390", field)
    finally:
        phone.close()

    case.refresh_from_db()
    assert case.stage == Stage.FOLLOW_UP
    page = browser.new_context(locale="en-US").new_page()
    try:
        sign_in(page, base, "supervisor")
        page.goto(f"{base}/cases/{case.pk}/")
        timeline = page.locator("#timeline")
        timeline.get_by_text("Field visit: Met the cardholder").wait_for()
        timeline.get_by_text("Promise to pay 5000.00 CNY by 2030-03-15 (Field visit)").wait_for()
        with translation.override("en"):
            assert str(Stage.FOLLOW_UP.label) in page.locator("section[aria-labelledby=h-status]").inner_text()
        snap(page, shots, "journey-visit-case", supervisor)
        # In Chinese as well: the stage and the visit line of the timeline.
        speak("zh-hans", supervisor)
        page.goto(page.url)
        with translation.override("zh-hans"):
            assert str(Stage.FOLLOW_UP.label) in page.locator("section[aria-labelledby=h-status]").inner_text()
        assert "上门" in page.locator("#timeline").inner_text()
    finally:
        page.context.close()
