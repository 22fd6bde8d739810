"""The interactive API docs work in a real browser under the site's Content-Security-Policy."""

import pytest

from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_of_staff_browses_the_api_docs_without_a_policy_violation(page, live_server, agent):
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)
    login(page, live_server, "agent")

    page.goto(f"{live_server.url}/api/docs/")

    page.get_by_text("/api/v1/accounts/batch").first.wait_for(timeout=20000)
    assert page.get_by_text("Collections Portal API").first.is_visible()
    assert refused == []
