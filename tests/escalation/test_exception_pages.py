"""The exceptions list in the browser's terms: who sees it, the fix page, a fix applied or refused."""

from decimal import Decimal

import pytest
from django.urls import reverse

from cases.confirm import cases_confirm_check
from cases.lifecycle import Stage
from cases.models import Case, ContactPoint
from tests.factories import AccountFactory, CaseFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(db):
    case = CaseFactory(account=AccountFactory(customer=CustomerFactory(name="张伟", phone="", email="", address="")))
    cases_confirm_check(case_ids=[case.pk])
    return case


def test_a_supervisor_sees_the_waiting_case_with_its_reason_in_the_menu_and_the_list(client, supervisor, waiting):
    client.force_login(supervisor)
    page = client.get(reverse("escalation:exceptions")).content.decode()
    assert reverse("escalation:exceptions") in page and f'id="exception-{waiting.pk}"' in page
    assert "no phone number, email or address" in page


def test_the_list_speaks_chinese(client, supervisor, waiting):
    supervisor.profile.language = "zh-hans"
    supervisor.profile.save()
    client.force_login(supervisor)
    page = client.get(reverse("escalation:exceptions"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "确认异常" in page


def test_an_agent_may_not_open_the_list_or_fix_a_case(client, agent, waiting):
    client.force_login(agent)
    assert client.get(reverse("escalation:exceptions")).status_code == 403
    assert client.post(reverse("escalation:exception-fix-apply", args=[waiting.pk, "amounts"]),
                       {"amounts-note": "Fine."}).status_code == 403


def test_the_case_page_shows_why_the_case_waits_and_links_to_the_fix(client, supervisor, waiting):
    client.force_login(supervisor)
    page = client.get(reverse("cases:detail", args=[waiting.pk])).content.decode()
    assert 'id="confirm-panel"' in page and reverse("escalation:exception-fix", args=[waiting.pk]) in page


def test_adding_a_contact_point_on_the_fix_page_takes_the_case_off_the_list(client, supervisor, waiting):
    client.force_login(supervisor)
    response = client.post(reverse("escalation:exception-fix-apply", args=[waiting.pk, "contact-point"]), {
        "contact-point-kind": "mobile", "contact-point-phone": "13900139000", "contact-point-source": "cardholder",
        "contact-point-source_note": "Called in from a new number."}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("escalation:exceptions")
    assert f'id="exception-{waiting.pk}"' not in response.content.decode()
    assert ContactPoint.objects.filter(customer=waiting.account.customer).count() == 1


def test_a_refused_fix_is_shown_beside_its_field_and_keeps_what_was_typed(client, supervisor, waiting):
    client.force_login(supervisor)
    response = client.post(reverse("escalation:exception-fix-apply", args=[waiting.pk, "contact-point"]), {
        "contact-point-kind": "mobile", "contact-point-phone": "not a number", "contact-point-source": "cardholder",
        "contact-point-source_note": "Typed by hand."})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="contact-point-id_phone_error"' in page or "contact-point-phone_error" in page
    assert 'value="Typed by hand."' in page
    assert Case.objects.get(pk=waiting.pk).confirm_exceptions


@pytest.mark.parametrize(("fix", "data"), [
    ("amounts", {"amounts-note": "Confirmed by the card centre."}),
    ("core-check", {"core-check-note": "Please look at this account."}),
    ("dispute", {"dispute-channel": "phone", "dispute-category": "amount", "dispute-description": "Repaid."}),
])
def test_each_fix_on_the_page_is_applied(client, supervisor, fix, data):
    case = CaseFactory(principal_overdue=Decimal("0"), interest_overdue=Decimal("0"), fees_overdue=Decimal("0"),
                       penalty_overdue=Decimal("0"))
    cases_confirm_check(case_ids=[case.pk])
    client.force_login(supervisor)
    response = client.post(reverse("escalation:exception-fix-apply", args=[case.pk, fix]), data)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.CONFIRM
    expected = {"amounts": [], "core-check": ["amounts"], "dispute": ["amounts", "dispute"]}[fix]
    assert case.confirm_exceptions == expected


def test_an_unknown_fix_is_refused(client, supervisor, waiting):
    client.force_login(supervisor)
    assert client.post(reverse("escalation:exception-fix-apply", args=[waiting.pk, "magic"]), {}).status_code == 403
