"""What only a browser shows: the queue at phone width, the skip link's focus, CSP on htmx swaps, and the
address bar after a refused form."""

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cases.lifecycle import Stage
from staff.models import StaffProfile
from tests.browser.conftest import login
from tests.factories import CaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WORKDAY = dt.datetime(2030, 3, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def shots(tmp_path):
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _watch_csp(page) -> list[str]:
    """Every Content-Security-Policy violation the page reports, from the console and from the DOM event."""
    violations: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    page.add_init_script("document.addEventListener('securitypolicyviolation', (e) => "
                         "console.error('Content Security Policy: ' + e.violatedDirective + ' ' + e.blockedURI));")
    return violations


def test_the_queue_at_390px_shows_days_past_due_and_amount_as_stacked_rows(browser, live_server, agent, team,
                                                                          time_machine, shots):
    time_machine.move_to(WORKDAY, tick=True)
    StaffProfile.objects.filter(user=agent).update(language="zh-hans")
    for days in (20, 45):
        CaseFactory(stage=Stage.CONTACT, assigned_team=team, overdue_since=WORKDAY.date() - dt.timedelta(days=days))
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("#id_username").fill("agent")
        page.locator("#id_password").fill("correct-horse-battery")
        page.locator("button.primary").click()
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/cases/queue/")
        rows = page.locator("table.stack tbody tr")
        rows.first.wait_for()
        assert rows.count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        for index in range(2):
            for cell in (rows.nth(index).locator("td").nth(5), rows.nth(index).locator("td").nth(6)):
                box = cell.bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
                # Each value is labelled on its own line, since the header row is hidden at this width.
                label = page.evaluate("(td) => getComputedStyle(td, '::before').content", cell.element_handle())
                assert label.strip('"') in ("逾期天数", "逾期金额", "DPD", "Overdue")
        assert "CNY" in rows.first.locator("td").nth(6).inner_text()
        page.screenshot(path=str(shots / "queue-390-zh.png"), full_page=True)
    finally:
        context.close()


def test_the_skip_link_moves_focus_to_the_content(page, live_server, agent):
    StaffProfile.objects.filter(user=agent).update(language="en")
    login(page, live_server, "agent")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab goes on from the content, not from the top bar.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")


def test_htmx_swaps_and_page_loads_raise_no_csp_violation(page, live_server, agent, team):
    violations = _watch_csp(page)
    StaffProfile.objects.filter(user=agent).update(language="en")
    case = CaseFactory(stage=Stage.CONTACT, assigned_team=team)
    login(page, live_server, "agent")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    # A refused note: the panel is swapped in with its error.
    page.get_by_role("button", name="Save note").click()
    page.locator("#id_body_error").wait_for()
    # Each panel's refused form is swapped in with its errors.
    for panel_id, button in (("#holds-panel", "Put on hold"),
                             ("#complaints-panel", "Register and hold the case"),
                             ("#referral-panel", "Escalate")):
        page.locator(panel_id).get_by_role("button", name=button).click()
        page.locator(f"{panel_id} .error").first.wait_for()
    # The plan calculator's schedule: a swap of the negotiation panel.
    panel = page.locator("#negotiation-panel")
    panel.get_by_label("Monthly payments").fill("3")
    panel.get_by_role("button", name="Calculate the schedule").click()
    page.locator("#plan-preview").wait_for()
    # A successful action: the page is shown again with the message.
    page.get_by_label("Note", exact=True).fill("Left a voicemail")
    page.get_by_role("button", name="Save note").click()
    page.locator("#messages").get_by_text("Note saved.").wait_for()
    # Revealing a personal field: a swap of one line of the cardholder card.
    page.locator("#h-cardholder").locator("..").locator("summary").first.click()
    page.locator("input[id^='reveal-']").first.fill("Cardholder on the line, verified")
    page.locator("form[action$='/reveal/'] button[type=submit]").first.click()
    page.locator(".revealed").first.wait_for()
    assert violations == []
    # The watcher does see a violation when there is one.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<div style=\"color:red\">x</div>')")
    page.wait_for_timeout(200)
    assert violations


def test_a_refused_form_leaves_the_page_address_and_the_language_switch_works(page, live_server, supervisor, team,
                                                                             time_machine, shots):
    from tests.factories import staff_user
    from visits.models import Visit

    time_machine.move_to(WORKDAY, tick=True)
    StaffProfile.objects.filter(user=supervisor).update(language="en")
    staff_user("field_agent", team, user__username="field")
    case = CaseFactory(stage=Stage.CONTACT, assigned_team=team, account__customer__address="上海市徐汇区 1 号")
    visit = Visit.objects.create(case=case, origin="agent", reason="Calls failed", address="上海市徐汇区 1 号",
                                 region="", requested_by_label="agent")
    login(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/visits/board/")
    form = page.locator(f"form[action='/visits/{visit.pk}/assign/']")
    form.get_by_label("Field agent", exact=True).select_option(label="field")
    form.get_by_label("From (cardholder's time)").fill("21:00")
    form.get_by_label("Until (cardholder's time)").fill("22:00")
    form.get_by_role("button", name="Assign").click()
    page.get_by_role("alert").first.wait_for()
    assert page.url == f"{live_server.url}/visits/board/"
    # What was typed is still there.
    form = page.locator(f"form[action='/visits/{visit.pk}/assign/']")
    assert form.get_by_label("From (cardholder's time)").input_value() == "21:00"
    page.locator("article.visit-assign").first.screenshot(path=str(shots / "visits-board-refused-en.png"))
    with page.expect_navigation():
        page.get_by_label("Language").select_option("zh-hans")
    assert page.url == f"{live_server.url}/visits/board/"
    page.get_by_role("heading", name="上门回访", exact=False).first.wait_for()


def test_the_supervisors_pages_and_the_preview_polling_raise_no_csp_violation(page, live_server, supervisor):
    from dashboards.models import PolicyPreview
    from escalation.models import Policy

    violations = _watch_csp(page)
    StaffProfile.objects.filter(user=supervisor).update(language="en")
    preview = PolicyPreview.objects.create(policy=Policy.objects.get(is_default=True), definition={"tiers": []},
                                           as_of=dt.datetime(2030, 3, 6, 9, tzinfo=dt.UTC))
    login(page, live_server, "supervisor")
    for path in ("/dashboards/", "/visits/board/", "/complaints/", "/dashboards/manage/reviews/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/dashboards/manage/policy/?preview={preview.pk}")
    # The running preview's card is swapped in again by its polling.
    with page.expect_response(lambda response: f"/previews/{preview.pk}/" in response.url):
        pass
    page.wait_for_timeout(300)
    assert violations == []
