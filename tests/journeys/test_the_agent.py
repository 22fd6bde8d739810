"""The agent's loop: the queue, Next case, a call logged on the policy's call task, the queue again where that
case is no longer due, a promise taken on another case, and the next pass, which plans no call for it."""

import datetime as dt
from decimal import Decimal

import pytest

from cases.lifecycle import Stage
from contacts.models import Channel, ContactStatus, Origin, ScheduledContact
from repayment_plans.models import Promise, PromiseStatus
from tests.escalation.helpers import case_at_dpd
from tests.journeys.day import WORKDAY, escalation_pass_on_worker, queue_row, sign_in, snap, speak

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pending_calls(case):
    return ScheduledContact.objects.filter(case=case, channel=Channel.CALL, origin=Origin.POLICY,
                                           status=ContactStatus.SCHEDULED)


def test_the_agent_works_the_queue_and_a_promise_stops_the_calls(page, live_server, agent, team, worker,
                                                                  time_machine, shots):
    time_machine.move_to(WORKDAY, tick=True)
    speak("en", agent)
    # Two cases in the call tier (T2): the larger one comes first in the queue.
    first = case_at_dpd(25, as_of=WORKDAY, total=Decimal("30000.00"), stage=Stage.CONTACT, assigned_team=team,
                        assigned_agent=agent)
    second = case_at_dpd(20, as_of=WORKDAY, total=Decimal("8000.00"), stage=Stage.CONTACT, assigned_team=team,
                         assigned_agent=agent)
    escalation_pass_on_worker()
    assert pending_calls(first).count() == pending_calls(second).count() == 1
    base = live_server.url

    sign_in(page, base, "agent")
    page.goto(f"{base}/cases/queue/")
    for case in (first, second):
        assert "Contact due" in queue_row(page, case.pk).locator("td").first.inner_text()
    snap(page, shots, "journey-agent-queue", agent)

    page.get_by_role("button", name="Next case").click()
    page.wait_for_url(f"{base}/cases/{first.pk}/")
    assert page.locator("#case-claim").inner_text().startswith("you")
    page.get_by_text("A call is allowed now.").wait_for()
    panel = page.locator("#contact-panel")
    panel.get_by_label("Outcome").select_option("no_answer")
    panel.get_by_label("Number").select_option("primary")
    panel.get_by_label("Call notes").fill("No answer on the mobile; try after lunch.")
    panel.get_by_role("button", name="Log the outcome").click()
    page.locator("#messages").get_by_text("Contact logged.").wait_for()
    page.locator("#timeline").get_by_text("Phone call: No answer").wait_for()
    task = ScheduledContact.objects.get(case=first, channel=Channel.CALL, origin=Origin.POLICY)
    assert task.status == ContactStatus.DONE and task.attempts.count() == 1
    snap(page, shots, "journey-agent-call-logged", agent)

    # Back in the queue, the call is no longer due: the case waits as other work, the second is next.
    page.get_by_role("link", name="My queue").click()
    assert "Contact due" not in queue_row(page, first.pk).locator("td").first.inner_text()
    assert "Contact due" in queue_row(page, second.pk).locator("td").first.inner_text()

    # The cardholder of the second case promises to pay next Tuesday.
    queue_row(page, second.pk).get_by_role("link").click()
    negotiation = page.locator("#negotiation-panel")
    negotiation.get_by_label("Amount promised").fill("2000.00")
    negotiation.get_by_label("Promised date").fill("2030-03-12")
    negotiation.get_by_label("Taken by").select_option("call")
    negotiation.get_by_role("button", name="Record the promise").click()
    page.locator("#messages").get_by_text("Promise to pay of 2000.00 CNY by").wait_for()
    negotiation.locator("li").filter(has_text="2000.00").get_by_text("Pending").wait_for()
    promise = Promise.objects.get(case=second)
    assert (promise.status, promise.amount) == (PromiseStatus.PENDING, Decimal("2000.00"))
    # The call task waiting for it is cancelled at once, with the reason in its trail.
    cancelled = ScheduledContact.objects.get(case=second, channel=Channel.CALL)
    assert cancelled.status == ContactStatus.CANCELLED
    assert cancelled.trail[-1]["reason"] == "Cancelled: a promise to pay was taken."
    snap(page, shots, "journey-agent-promise", agent)

    # Friday morning: the pass plans the first case's next call (T2 calls every 2 days after the last one
    # worked) and none for the second, whose promise is not yet due.
    time_machine.move_to(WORKDAY + dt.timedelta(days=3), tick=True)
    escalation_pass_on_worker()
    assert pending_calls(first).count() == 1
    assert not pending_calls(second).exists()
    sign_in(page, base, "agent")
    page.goto(f"{base}/cases/queue/")
    assert "Contact due" in queue_row(page, first.pk).locator("td").first.inner_text()
    assert queue_row(page, second.pk).count() == 0
    snap(page, shots, "journey-agent-queue-friday", agent)


def test_the_agent_adds_a_contact_point_and_a_wrong_number_leaves_the_choices(page, live_server, agent, team,
                                                                              time_machine, shots):
    time_machine.move_to(WORKDAY, tick=True)
    speak("en", agent)
    case = case_at_dpd(25, as_of=WORKDAY, total=Decimal("9000.00"), stage=Stage.CONTACT, assigned_team=team,
                       assigned_agent=agent)
    base = live_server.url
    sign_in(page, base, "agent")
    page.goto(f"{base}/cases/{case.pk}/")
    numbers = page.locator("#contact-panel").get_by_label("Number")
    assert numbers.locator("option[value=primary]").count() == 1

    # The cardholder gives their sister's number on the call.
    points = page.locator("#contact-points-panel")
    points.get_by_text("Add a contact point").click()
    points.get_by_label("Kind").select_option("emergency")
    points.get_by_label("Relationship to the cardholder").fill("sister")
    points.get_by_label("Phone", exact=True).fill("13700001111")
    points.get_by_label("Where it came from").fill("The cardholder said on the call.")
    points.get_by_role("button", name="Add the contact point").click()
    page.locator("#messages").get_by_text("Contact point added.").wait_for()
    sister = case.account.customer.contact_points.get()
    numbers = page.locator("#contact-panel").get_by_label("Number")
    numbers.select_option(f"point-{sister.pk}")
    page.locator(".third-party-reminder").get_by_text("Never mention the debt.").wait_for()

    # The cardholder's own number turns out to be wrong: it is no longer offered.
    primary = page.locator("#contact-point-primary")
    primary.get_by_text("Mark wrong").click()
    primary.get_by_label("Why it is wrong").fill("Number no longer in service.")
    primary.get_by_role("button", name="Mark the number wrong").click()
    page.locator("#messages").get_by_text("Number marked wrong").wait_for()
    page.locator("#contact-point-primary").get_by_text("reported wrong").wait_for()
    numbers = page.locator("#contact-panel").get_by_label("Number")
    assert numbers.locator("option[value=primary]").count() == 0
    assert numbers.locator(f"option[value=point-{sister.pk}]").count() == 1
    snap(page, shots, "journey-agent-contact-points", agent)
