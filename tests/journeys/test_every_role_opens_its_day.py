"""Every demo role, on the demo data after an escalation pass, signs in and opens every page its menu
offers and a case page (the legal officer also a litigation record), in Chinese and in English, at desktop
width and (for the field agent) at 390 px. No page answers a server error.
This is what a newcomer does first after `make run`."""

import re

import pytest

from demo.services import AGENCY_USERS, DEMO_PASSWORD, USERS, demo_seed
from escalation.services import escalation_pass_run
from staff.models import StaffProfile
from tests.journeys.day import PHONE, WORKDAY, sign_in, sign_in_with_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
# Pages a menu links to that change something or leave the portal when followed.
NOT_FOLLOWED = ("/accounts/logout/", "/language/")


def menu_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("header a[href], nav a[href]", "links => links.map(a => a.href)")
    paths = []
    for href in hrefs:
        if href.startswith(base) and not href.startswith(tuple(base + p for p in NOT_FOLLOWED)):
            path = href[len(base):].split("#")[0]
            if path and path not in paths:
                paths.append(path)
    return paths


def open_ok(page, base: str, path: str) -> str:
    response = page.goto(f"{base}{path}")
    assert response is not None and response.status < 500, f"{path} answered {response and response.status}"
    return page.content()


def test_every_role_opens_the_pages_of_its_day_in_both_languages(browser, live_server, time_machine, shots):
    time_machine.move_to(WORKDAY, tick=True)
    demo_seed(cases=48)
    summary = escalation_pass_run(as_of=WORKDAY)
    assert sum(summary.scheduled.values()) > 0
    base = live_server.url
    # The first login of each role, the first field agent ("field") included.
    # An outside agency's agent and manager too, who sign in with two factors.
    for username, role in [(u, r) for u, r, *_rest in USERS[:2]] + [("field", "field_agent")] + [
            (u, r) for u, r, *_rest in USERS[2:]] + [(u, r) for u, r, *_rest in AGENCY_USERS]:
        for language in ("zh-hans", "en"):
            StaffProfile.objects.filter(user__username=username).update(language=language)
            widths = [("desktop", DESKTOP)] + ([("phone", PHONE)] if role in ("field_agent", "agency_agent") else [])
            for width_name, viewport in widths:
                context = browser.new_context(viewport=viewport)
                page = context.new_page()
                try:
                    if role.startswith("agency_"):
                        sign_in_with_code(page, base, username, DEMO_PASSWORD)
                    else:
                        sign_in(page, base, username, DEMO_PASSWORD)
                    assert page.locator("html").get_attribute("lang") == language
                    visited = []
                    for path in menu_links(page, base):
                        html = open_ok(page, base, path)
                        visited.append(path)
                        case_links = re.findall(r'href="(/cases/\d+/)"', html)
                        if case_links and not any(re.fullmatch(r"/cases/\d+/", p) for p in visited):
                            open_ok(page, base, case_links[0])
                            visited.append(case_links[0])
                            page.screenshot(path=str(shots / f"day-{username}-case-{language}-{width_name}.png"),
                                            full_page=True)
                    # Agents, supervisors, managers and compliance reach cases from their menu; a field agent
                    # reaches them through the visits assigned to them, and an administrator through the admin.
                    if role not in ("field_agent", "admin"):
                        assert any(re.fullmatch(r"/cases/\d+/", p) for p in visited), (
                            f"{username} reached no case page from {visited}")
                    if role == "legal_officer":
                        # The legal queue lists the demo's cases in litigation; each opens its record.
                        assert "/litigation/" in visited, f"{username} has no legal queue in {visited}"
                        records = re.findall(r'href="(/litigation/\d+/)"', open_ok(page, base, "/litigation/"))
                        assert records, "the legal queue lists no case in litigation"
                        open_ok(page, base, records[0])
                        page.screenshot(path=str(shots / f"day-{username}-record-{language}-{width_name}.png"),
                                        full_page=True)
                    open_ok(page, base, "/")
                    page.screenshot(path=str(shots / f"day-{username}-home-{language}-{width_name}.png"),
                                    full_page=True)
                finally:
                    context.close()
