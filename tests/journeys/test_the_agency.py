"""An outside agency's day: a supervisor places a case, the agency's agent (two factors, least personal
data) works it and takes a promise, a payment arrives, and the agency earns a commission line that its
manager reads on the month's statement."""

import datetime as dt
from decimal import Decimal

import pytest

from agencies.models import CommissionLine
from agencies.services import agency_create
from cases.ingest import PaymentReport, payments_ingest
from cases.lifecycle import Stage
from core.actors import SYSTEM
from repayment_plans.models import Promise
from staff.models import Role
from tests.escalation.helpers import case_at_dpd
from tests.factories import staff_user
from tests.journeys.day import PHONE, WORKDAY, sign_in, sign_in_with_code, snap, speak

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
    context.close()
