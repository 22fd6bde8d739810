"""An inbound call: the agent finds the caller's case by phone, then by the card's last four digits, in both
languages. The value travels by POST only, the results stop at the agent's team, and the phone search is
audited without the number."""

import pytest

from cases.lifecycle import Stage
from tests.factories import AccountFactory, CaseFactory, CustomerFactory
from tests.journeys.day import LANGUAGES, WORKDAY, sign_in, speak

pytest.importorskip("cases.search", reason="case search is not part of this build")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def results(page) -> list[str]:
    return page.locator("table tbody tr a[href^='/cases/']").all_inner_texts()


def test_an_inbound_call_is_found_by_phone_then_by_the_cards_last_four(page, live_server, agent, team, other_team,
                                                                       time_machine, shots):
    from audit.models import AuditRecord

    time_machine.move_to(WORKDAY, tick=True)
    caller = CaseFactory(account=AccountFactory(customer=CustomerFactory(name="欧阳小明", phone="13912345678"),
                                                account_number="6222020000004321"),
                         stage=Stage.CONTACT, assigned_team=team)
    namesake = CaseFactory(account=AccountFactory(customer=CustomerFactory(name="欧阳小红", phone="13700001111"),
                                                  account_number="6222030000004321"),
                           stage=Stage.CONTACT, assigned_team=team)
    elsewhere = CaseFactory(account=AccountFactory(customer=CustomerFactory(name="张伟", phone="13600002222"),
                                                   account_number="6222040000004321"),
                            stage=Stage.CONTACT, assigned_team=other_team)
    base = live_server.url
    requests = []
    page.on("request", lambda request: requests.append((request.method, request.url)))

    sign_in(page, base, "agent")
    for language in LANGUAGES:
        speak(language, agent)
        page.goto(f"{base}/")
        page.locator("nav a[href='/cases/search/'], header a[href='/cases/search/']").first.click()
        page.locator("select[name=by]").select_option("phone")
        page.locator("input[name=query]").fill("139 1234 5678")
        page.locator("form[action='/cases/search/'] button[type=submit]").click()
        page.get_by_role("status").wait_for()
        assert results(page) == [f"#{caller.pk}"]
        # The number is shown masked, and it is in no address the browser asked for.
        assert "13912345678" not in page.locator("table").inner_text()
        page.screenshot(path=str(shots / f"journey-search-phone-{language}.png"), full_page=True)

        page.locator("select[name=by]").select_option("last_four")
        page.locator("input[name=query]").fill("4321")
        page.locator("form[action='/cases/search/'] button[type=submit]").click()
        page.get_by_role("status").wait_for()
        assert sorted(results(page)) == sorted([f"#{caller.pk}", f"#{namesake.pk}"])
        assert f"#{elsewhere.pk}" not in results(page)
        page.screenshot(path=str(shots / f"journey-search-last-four-{language}.png"), full_page=True)

        page.get_by_role("link", name=f"#{caller.pk}", exact=True).click()
        page.wait_for_url(f"{base}/cases/{caller.pk}/")
        page.locator("h1").get_by_text("欧阳小明").wait_for()
        page.locator("#contact-panel").wait_for()

    assert not any("13912345678" in url or "4321" in url for _method, url in requests)
    assert ("POST", f"{base}/cases/search/") in requests
    audited = AuditRecord.objects.filter(action="case.searched")
    assert audited.count() == len(LANGUAGES)  # the phone searches, not the last four
    assert all("13912345678" not in str(record.changes) for record in audited)
