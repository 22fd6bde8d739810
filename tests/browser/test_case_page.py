import os
from pathlib import Path

import pytest

from cases.models import CaseNote
from staff.models import StaffProfile
from tests.browser.conftest import login
from tests.factories import CaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_an_agent_logs_a_note_and_the_page_says_so_where_it_was(page, live_server, agent, team):
    StaffProfile.objects.filter(user=agent).update(language="en")
    case = CaseFactory(assigned_team=team)
    login(page, live_server, "agent")
    page.goto(f"{live_server.url}/cases/{case.pk}/")

    page.get_by_label("Note", exact=True).fill("Cardholder will pay on Friday")
    page.get_by_role("button", name="Save note").click()

    # The page is shown again in place: the message says what happened and every panel is current.
    page.locator("#messages").get_by_text("Note saved.").wait_for()
    page.locator("#timeline").get_by_text("Cardholder will pay on Friday").wait_for()
    assert page.url == f"{live_server.url}/cases/{case.pk}/"
    assert page.get_by_label("Note", exact=True).input_value() == ""
    # The message stays in sight wherever the page was scrolled to, and can be put away.
    top = page.evaluate("document.getElementById('messages').getBoundingClientRect().top")
    assert 0 <= top < page.evaluate("window.innerHeight")
    page.get_by_role("button", name="Dismiss").click()
    assert page.locator("#messages").count() == 0
    assert CaseNote.objects.filter(case=case, author=agent).count() == 1


def test_an_empty_note_shows_the_error_beside_the_field(page, live_server, agent, team):
    StaffProfile.objects.filter(user=agent).update(language="en")
    case = CaseFactory(assigned_team=team)
    login(page, live_server, "agent")
    page.goto(f"{live_server.url}/cases/{case.pk}/")

    page.get_by_role("button", name="Save note").click()

    page.locator("#id_body_error").wait_for()
    # The keyboard is taken to the field in error, which points at its message.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_body'")
    assert page.evaluate("document.activeElement.getAttribute('aria-describedby')") == "id_body_error"
    assert not CaseNote.objects.exists()


def test_the_case_page_is_usable_on_a_phone_in_chinese(browser, live_server, agent, team, tmp_path):
    StaffProfile.objects.filter(user=agent).update(language="zh-hans")
    case = CaseFactory(assigned_team=team)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("#id_username").fill("agent")
        page.locator("#id_password").fill("correct-horse-battery")
        page.locator("button.primary").click()
        page.goto(f"{live_server.url}/cases/{case.pk}/")
        page.get_by_role("heading", name="时间线").wait_for()
        # Nothing forces sideways scrolling at phone width.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # UPDATE_SCREENSHOTS=1 refreshes the picture kept in docs/screenshots/.
        folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / "case-page-390.png"), full_page=True)
        assert (folder / "case-page-390.png").stat().st_size > 10_000
    finally:
        context.close()
