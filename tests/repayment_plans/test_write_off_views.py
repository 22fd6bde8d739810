"""The write-off panel of the case page and the write-offs on the approvals page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from cases.lifecycle import Outcome
from cases.models import Case
from repayment_plans.models import WriteOff, WriteOffStatus
from repayment_plans.write_offs import write_off_propose
from tests.feedback import messages_of
from tests.repayment_plans.helpers import NOW, contact_case, propose

pytestmark = pytest.mark.django_db

LARGE = {"principal_overdue": Decimal("50000.00")}


def _page(client, case):
    return client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_a_supervisor_sees_what_a_write_off_would_give_up_and_whose_authority_it_needs(client, supervisor):
    client.force_login(supervisor)
    body = _page(client, contact_case(supervisor))
    assert 'id="write-off-panel"' in body and "10225.50 CNY" in body
    assert "Within your write-off limit of 20000.00 CNY" in body and "Propose write-off" in body
    body = _page(client, contact_case(supervisor, **LARGE))
    assert "Above your write-off limit of 20000.00 CNY: approval from Manager." in body


def test_an_agent_sees_no_write_off_panel_on_a_case_that_has_none(client, agent):
    client.force_login(agent)
    assert 'id="write-off-panel"' not in _page(client, contact_case(agent))


def test_proposing_within_the_supervisors_limit_closes_the_case_and_says_so(client, supervisor):
    case = contact_case(supervisor)
    client.force_login(supervisor)
    response = client.post(reverse("repayment_plans:write-off-create", args=[case.pk]),
                           {"reason": "Deceased; no estate."}, follow=True)
    assert "Written off within your authority: 10225.50 CNY. The case is closed." in messages_of(
        response.content.decode())
    case.refresh_from_db()
    assert case.outcome == Outcome.WRITTEN_OFF


def test_a_case_with_a_plan_in_progress_says_so_instead_of_offering_the_form(client, agent, supervisor):
    case = contact_case(agent)
    propose(case, agent, count=12)
    client.force_login(supervisor)
    body = _page(client, case)
    assert "repayment plan in progress" in body and "Propose write-off" not in body
    response = client.post(reverse("repayment_plans:write-off-create", args=[case.pk]), {"reason": "Untraceable."})
    assert response.status_code == 400 and "repayment plan in progress" in response.content.decode()
    assert not WriteOff.objects.exists()


def test_a_refused_reason_is_kept_as_typed_with_the_error_beside_it(client, supervisor):
    case = contact_case(supervisor)
    client.force_login(supervisor)
    typed = "Untraceable. " * 160
    response = client.post(reverse("repayment_plans:write-off-create", args=[case.pk]), {"reason": typed})
    body = response.content.decode()
    assert response.status_code == 400 and 'id="wo-reason_error"' in body and typed.strip() in body
    response = client.post(reverse("repayment_plans:write-off-create", args=[case.pk]), {"reason": " "})
    assert response.status_code == 400 and 'id="wo-reason_error"' in response.content.decode()
    assert not WriteOff.objects.exists()


def test_an_agent_may_not_propose_a_write_off(client, agent):
    client.force_login(agent)
    response = client.post(reverse("repayment_plans:write-off-create", args=[contact_case(agent).pk]),
                           {"reason": "Untraceable."})
    assert response.status_code == 403 and not WriteOff.objects.exists()


def test_the_approvals_page_shows_the_amount_against_the_limit_it_exceeded(client, supervisor, manager):
    write_off = write_off_propose(case=contact_case(supervisor, **LARGE), actor=supervisor, reason="Emigrated.",
                                  at=NOW)
    client.force_login(manager)
    body = client.get(reverse("repayment_plans:approvals")).content.decode()
    assert f'id="write-off-{write_off.pk}"' in body and "Emigrated." in body
    assert "50225.50 CNY exceeds the Supervisor write-off limit of 20000.00 CNY: approval from Manager" in body
    client.force_login(supervisor)
    assert f'id="write-off-{write_off.pk}"' not in client.get(reverse("repayment_plans:approvals")).content.decode()


def test_the_approvals_page_shows_the_limit_in_the_cases_currency(client, supervisor, manager):
    usd = {"currency": "USD", "account__currency": "USD", "principal_overdue": Decimal("5000.00")}
    write_off_propose(case=contact_case(supervisor, **usd), actor=supervisor, reason="Emigrated.", at=NOW)
    client.force_login(manager)
    body = client.get(reverse("repayment_plans:approvals")).content.decode()
    assert "5225.50 USD exceeds the Supervisor write-off limit of 3000.00 USD" in body


def test_a_manager_approves_from_the_approvals_page_and_the_closed_case_shows_what_was_written_off(
        client, supervisor, manager):
    case = contact_case(supervisor, **LARGE)
    write_off = write_off_propose(case=case, actor=supervisor, reason="Emigrated.", at=NOW)
    client.force_login(manager)
    url = reverse("repayment_plans:write-off-decide", args=[write_off.pk])
    response = client.post(url, {"decision": "approve", "reason": " ", "next": "approvals"})
    assert response.status_code == 400 and f'id="write-off-reason-{write_off.pk}-error"' in response.content.decode()
    response = client.post(url, {"decision": "approve", "reason": "Trace reports seen.", "next": "approvals"},
                           follow=True)
    assert response.redirect_chain[-1][0] == reverse("repayment_plans:approvals")
    assert f"Write-off #{write_off.pk} approved: the case is closed as written off." in messages_of(
        response.content.decode())
    assert Case.objects.get(pk=case.pk).outcome == Outcome.WRITTEN_OFF
    body = _page(client, case)
    assert "Total written off" in body and "50225.50 CNY" in body and "Trace reports seen." in body
    assert ("Written off 50225.50 CNY: principal 50000.00, interest 150.00, fees 50.00, penalty 25.50 "
            "(Approved by a second person)") in body


def test_everyone_who_sees_a_written_off_case_sees_what_was_written_off(client, agent, supervisor):
    case = contact_case(agent)
    write_off_propose(case=case, actor=supervisor, reason="Untraceable.", at=NOW)
    client.force_login(agent)
    body = _page(client, case)
    assert 'id="write-off-panel"' in body and "Total written off" in body


def test_the_proposer_may_withdraw_from_the_case_page(client, supervisor):
    case = contact_case(supervisor, **LARGE)
    write_off = write_off_propose(case=case, actor=supervisor, reason="Emigrated.", at=NOW)
    client.force_login(supervisor)
    assert "Withdraw the write-off" in _page(client, case)
    client.post(reverse("repayment_plans:write-off-decide", args=[write_off.pk]),
                {"decision": "withdraw", "reason": "Found a new address."})
    write_off.refresh_from_db()
    assert write_off.status == WriteOffStatus.WITHDRAWN


def test_the_menu_offers_approvals_to_those_who_approve_write_offs(client, supervisor, agent):
    client.force_login(supervisor)
    assert reverse("repayment_plans:approvals") in client.get(reverse("home"), follow=True).content.decode()
    client.force_login(agent)
    assert reverse("repayment_plans:approvals") not in client.get(reverse("home"), follow=True).content.decode()
