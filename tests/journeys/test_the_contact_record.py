"""The contact record, as the day brings it: an agent logs a call made just before 21:00 after the hour, and it
is no breach; a call made after 21:00 is kept as a breach, which the agent sees on the case page and the
timeline in both languages; a supervisor authorises an exception for a cardholder who asked to be rung late,
and the agent's next call is no breach; the cardholder calling in late is recorded and counts for nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from cases.lifecycle import Stage
from contacts.models import ContactAttempt
from tests.escalation.helpers import case_at_dpd
from tests.journeys.day import PHONE, SH, WORKDAY, sign_in, snap, speak

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVENING = WORKDAY.replace(hour=21, minute=1)


def log_call(page, *, when: str = "", result: str = "no_answer", reason: str = "", inbound: bool = False):
    panel = page.locator("#contact-panel")
    if inbound:
        panel.locator("select[name=direction]").select_option("inbound")
    panel.locator("input[name=occurred_at]").fill(when)
    panel.locator("select[name=number]").select_option("primary")
    panel.locator("select[name=result]").select_option(result)
    if reason:
        panel.locator("select[name=delinquency_reason]").select_option(reason)
    panel.locator("button.primary").click()


def test_every_contact_is_kept_and_a_breach_is_seen(page, browser, live_server, agent, supervisor, team,
                                                     time_machine, shots):
    time_machine.move_to(EVENING, tick=True)
    speak("en", agent, supervisor)
    case = case_at_dpd(25, as_of=WORKDAY, total=Decimal("12000.00"), stage=Stage.CONTACT, assigned_team=team,
                       assigned_agent=agent)
    base = live_server.url
    sign_in(page, base, "agent")
    page.goto(f"{base}/cases/{case.pk}/")
    # At 21:01 the panel warns that a call now would be a breach.
    page.locator("#contact-panel").get_by_text("recorded as a breach of the contact rules").wait_for()

    # The call was made at 20:58, before the hours closed: logged at 21:01 it is no breach.
    log_call(page, when="2030-03-05T20:58")
    page.locator("#messages").get_by_text("Contact logged.").wait_for()
    first = ContactAttempt.objects.get(case=case)
    assert first.occurred_at == dt.datetime(2030, 3, 5, 20, 58, tzinfo=SH) and first.breached_rules == []

    # A call made now, after the hours, is kept, as a breach the agent sees at once.
    log_call(page)
    page.locator("#messages").get_by_text("it is recorded as a breach").wait_for()
    page.locator("#contact-breaches").get_by_text("Outside contact hours").wait_for()
    page.locator("#timeline li.t-breach").first.wait_for()
    snap(page, shots, "journey-contact-breach", agent)
    page.locator("#contact-breaches").wait_for()
    speak("zh-hans", agent)
    page.goto(page.url)
    page.locator("#contact-breaches").get_by_text("不在允许联系的时段").wait_for()
    assert "违反联系规则" in page.locator("#timeline").inner_text()
    speak("en", agent)

    # The cardholder calls in at 21:30: recorded, no breach, and no call limit used.
    time_machine.move_to(EVENING.replace(minute=30), tick=True)
    page.goto(f"{base}/cases/{case.pk}/")
    log_call(page, inbound=True, result="right_party", reason="lost_income")
    page.locator("#messages").get_by_text("Contact logged.").wait_for()
    inbound = ContactAttempt.objects.filter(case=case, direction="inbound").get()
    assert inbound.breached_rules == [] and inbound.delinquency_reason == "lost_income"
    page.locator("#timeline").get_by_text("the cardholder called in").first.wait_for()

    # The supervisor authorises an exception: the cardholder asked to be rung back late tonight.
    supervisor_page = browser.new_page(viewport=PHONE)
    sign_in(supervisor_page, base, "supervisor")
    supervisor_page.goto(f"{base}/cases/{case.pk}/")
    supervisor_page.locator("#exception-form summary").click()
    supervisor_page.locator("#exception-form textarea, #exception-form input[name=reason]").first.fill(
        "Asked on the call to be rung back after 21:30")
    supervisor_page.locator("#exception-form button").click()
    supervisor_page.locator("#messages").get_by_text("Exception authorised").wait_for()
    supervisor_page.screenshot(path=str(shots / "journey-contact-exception-phone-en.png"), full_page=True)
    supervisor_page.close()

    page.goto(f"{base}/cases/{case.pk}/")
    page.locator("#contact-panel").get_by_text("Exception authorised").wait_for()
    log_call(page, result="promise", reason="lost_income")
    page.locator("#messages").get_by_text("under the exception a supervisor authorised").wait_for()
    last = ContactAttempt.objects.filter(case=case, direction="outbound").order_by("-occurred_at").first()
    assert last.breached_rules == [] and last.exception.granted_by == supervisor
    assert list(ContactAttempt.objects.filter(case=case).exclude(breached_rules=[]).values_list(
        "breached_rules", flat=True)) == [["hours"]]
