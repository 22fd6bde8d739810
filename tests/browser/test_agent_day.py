"""An agent's day in the browser: queue, next case, two calls logged in place, another team's 404,
and the queue in Chinese."""

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cases.lifecycle import Stage
from contacts.models import ContactAttempt
from staff.models import Role, StaffProfile
from tests.browser.conftest import login
from tests.factories import CaseFactory, staff_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# A Tuesday morning in Shanghai, inside contact hours, and later than any real clock running these tests.
WORKDAY = dt.datetime(2030, 3, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def shots(tmp_path):
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_an_agents_day(page, browser, live_server, agent, team, other_team, time_machine, shots):
    time_machine.move_to(WORKDAY, tick=True)
    StaffProfile.objects.filter(user=agent).update(language="en")
    case = CaseFactory(stage=Stage.CONTACT, assigned_team=team, account__customer__name="王芳",
                       account__customer__phone="13912345678")
    CaseFactory(stage=Stage.CONTACT, assigned_team=other_team)

    login(page, live_server, "agent")
    page.get_by_role("link", name="My queue").click()
    page.get_by_role("heading", name="My queue").wait_for()
    page.screenshot(path=str(shots / "queue-en.png"), full_page=True)

    page.get_by_role("button", name="Next case").click()
    page.wait_for_url(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_text("A call is allowed now.").wait_for()

    page.get_by_label("Outcome").select_option("no_answer")
    page.locator("#contact-panel").get_by_label("Number", exact=True).select_option("primary")
    page.get_by_role("button", name="Log the outcome").click()
    page.locator("#timeline").get_by_text("Phone call: No answer").wait_for()
    page.locator("#messages").get_by_text("Contact logged.").wait_for()

    page.get_by_label("Outcome").select_option("promise")
    page.get_by_label("Why the account fell behind").select_option("lost_income")
    page.get_by_label("Call notes").fill("Will pay 2,000 on Friday")
    page.get_by_role("button", name="Log the outcome").click()
    page.locator("#timeline").get_by_text("Phone call: Promise to pay").wait_for()

    assert page.url == f"{live_server.url}/cases/{case.pk}/"
    assert list(ContactAttempt.objects.filter(case=case).order_by("occurred_at").values_list("result", flat=True)) == [
        "no_answer", "promise"]
    page.screenshot(path=str(shots / "case-page-en.png"), full_page=True)

    # Switching language shows the queue in Chinese.
    with page.expect_navigation():
        page.get_by_label("Language", exact=True).select_option("zh-hans")
    page.get_by_role("heading", name="时间线").wait_for()
    page.goto(f"{live_server.url}/cases/queue/")
    page.get_by_role("heading", name="我的队列").wait_for()
    page.get_by_role("button", name="下一个案件").wait_for()
    page.screenshot(path=str(shots / "queue-zh.png"), full_page=True)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_role("heading", name="时间线").wait_for()
    page.screenshot(path=str(shots / "case-page-zh.png"), full_page=True)

    # An agent of another team gets 404 for the case.
    staff_user(Role.AGENT, other_team, user__username="outsider_agent")
    other = browser.new_context(locale="en-US")
    try:
        other_page = other.new_page()
        login(other_page, live_server, "outsider_agent")
        response = other_page.goto(f"{live_server.url}/cases/{case.pk}/")
        assert response.status == 404
    finally:
        other.close()
