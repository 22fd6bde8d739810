import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditRecord
from cases.lifecycle import Stage
from repayment_plans.calculator import add_months
from repayment_plans.models import PlanStatus, Promise, RepaymentPlan
from staff.models import StaffProfile
from tests.factories import AccountFactory, CustomerFactory
from tests.feedback import case_page_after, htmx_from, messages_of
from tests.repayment_plans.helpers import contact_case, propose

pytestmark = pytest.mark.django_db


def today():
    from django.utils import timezone

    return timezone.localdate()


def plan_data(**overrides):
    data = {"kind": "instalments", "count": "24", "first_due_date": add_months(today(), 1).isoformat(),
            "waive_interest": "0", "waive_fees": "0", "waive_penalty": "0", "waive_principal": "0", "terms": "",
            "basis": "beyond_ability_willing"}
    return {**data, **overrides}


def test_an_agent_takes_a_promise_from_the_case_page(client, agent):
    case = contact_case(agent)
    client.force_login(agent)
    url = reverse("repayment_plans:promise-create", args=[case.pk])
    response = client.post(url, {"amount": "300.00", "due_date": (today() + dt.timedelta(days=3)).isoformat(),
                                 "channel": "call", "note": "Pays on Friday."},
                           **htmx_from(reverse("cases:detail", args=[case.pk])))
    page = case_page_after(client, response, case)
    assert "Promise to pay of 300.00 CNY by" in messages_of(page)
    assert Promise.objects.get(case=case).amount == Decimal("300.00")


def test_a_promise_date_too_far_ahead_is_shown_beside_the_date(client, agent):
    case = contact_case(agent)
    client.force_login(agent)
    response = client.post(reverse("repayment_plans:promise-create", args=[case.pk]),
                           {"amount": "300.00", "due_date": (today() + dt.timedelta(days=40)).isoformat(),
                            "channel": "call"})
    assert response.status_code == 400
    assert 'id="np-due_date_error"' in response.content.decode() and not Promise.objects.exists()


def test_the_calculator_shows_the_schedule_before_anything_is_proposed(client, agent):
    case = contact_case(agent)
    client.force_login(agent)
    url = reverse("repayment_plans:plan-create", args=[case.pk])
    response = client.post(url, {**plan_data(count="3"), "action": "preview"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and 'id="plan-preview"' in body and "3408.50" in body
    assert 'value="propose"' in body and not RepaymentPlan.objects.exists()
    client.post(url, {**plan_data(count="3"), "action": "propose"}, HTTP_HX_REQUEST="true")
    assert RepaymentPlan.objects.get(case=case).status == PlanStatus.APPROVED


def test_a_plan_for_a_case_the_user_cannot_see_is_not_found(client, agent, other_agent):
    case = contact_case(agent)
    plan = propose(case, agent, count=3)
    client.force_login(other_agent)
    assert client.post(reverse("repayment_plans:plan-create", args=[case.pk]), plan_data()).status_code == 404
    assert client.get(reverse("repayment_plans:plan-agreement", args=[plan.pk, "en"])).status_code == 404


def test_the_approvals_queue_lists_what_the_supervisor_may_approve_but_not_to_the_proposer(client, agent, supervisor):
    plan = propose(contact_case(agent), agent, count=24)
    client.force_login(agent)
    assert f'id="approval-{plan.pk}"' not in client.get(reverse("repayment_plans:approvals")).content.decode()
    client.force_login(supervisor)
    assert f'id="approval-{plan.pk}"' in client.get(reverse("repayment_plans:approvals")).content.decode()
    url = reverse("repayment_plans:plan-decide", args=[plan.pk])
    response = client.post(url, {"decision": "approve", "reason": "  ", "next": "approvals"})
    assert response.status_code == 400 and f'id="reason-{plan.pk}-error"' in response.content.decode()
    response = client.post(url, {"decision": "approve", "reason": "Affordable.", "next": "approvals"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("repayment_plans:approvals")
    assert f"Plan #{plan.pk} approved." in messages_of(response.content.decode())
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.decided_by == supervisor


def test_the_agreement_downloads_as_a_pdf_and_the_download_is_audited(client, agent):
    plan = propose(contact_case(agent), agent, count=3)
    client.force_login(agent)
    response = client.get(reverse("repayment_plans:plan-agreement", args=[plan.pk, "zh-hans"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert AuditRecord.objects.filter(action="plan.agreement_downloaded", actor=agent).exists()


@pytest.mark.parametrize(("language", "first", "second"), [("en", "English (PDF)", "中文 (PDF)"),
                                                          ("zh-hans", "中文 (PDF)", "English (PDF)")])
def test_the_agreement_in_the_cardholders_language_is_offered_first(client, agent, language, first, second):
    account = AccountFactory(customer=CustomerFactory(language=language))
    plan = propose(contact_case(agent, account=account), agent, count=3)
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[plan.case_id])).content.decode()
    assert 0 < page.index(first) < page.index(second)


def test_a_plan_awaiting_approval_has_no_agreement_yet(client, agent):
    plan = propose(contact_case(agent), agent, count=24)
    client.force_login(agent)
    assert client.get(reverse("repayment_plans:plan-agreement", args=[plan.pk, "en"])).status_code == 403


def test_the_acceptance_code_entered_on_the_case_page_activates_the_plan(client, agent, settings, tmp_path):
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    account = AccountFactory(customer=CustomerFactory(phone="+8613900000000", language="en"))
    plan = propose(contact_case(agent, account=account), agent, count=3)
    client.force_login(agent)
    client.post(reverse("repayment_plans:plan-code-send", args=[plan.pk]), HTTP_HX_REQUEST="true")
    body = json.loads(settings.SMS_FILE_PATH.read_text(encoding="utf-8"))["body"]
    code = body.split(" is ")[1][:6]
    response = client.post(reverse("repayment_plans:plan-code-accept", args=[plan.pk]), {"code": "12345x"},
                           HTTP_HX_REQUEST="true")
    assert f'id="code-{plan.pk}-error"' in response.content.decode()
    response = client.post(reverse("repayment_plans:plan-code-accept", args=[plan.pk]), {"code": code},
                           **htmx_from(reverse("cases:detail", args=[plan.case_id])))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    page = case_page_after(client, response, plan.case)
    assert f"Plan #{plan.pk} accepted: it is now active." in messages_of(page)
    # The Status card shows the stage the active plan moved the case to, not the one before.
    plan.case.refresh_from_db()
    status_card = page[page.index('id="h-status"'):page.index("</section>", page.index('id="h-status"'))]
    assert plan.case.stage != Stage.CONTACT and plan.case.get_stage_display() in status_card


def test_the_proposer_withdraws_a_plan_from_the_case_page(client, agent):
    plan = propose(contact_case(agent), agent, count=24)
    client.force_login(agent)
    response = client.post(reverse("repayment_plans:plan-decide", args=[plan.pk]),
                           {"decision": "withdraw", "reason": "Cardholder asked for fewer months."},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELLED


def test_a_refused_promise_reads_in_the_agents_language(client, agent):
    StaffProfile.objects.filter(user=agent).update(language="zh-hans")
    case = contact_case(agent)
    client.force_login(agent)
    response = client.post(reverse("repayment_plans:promise-create", args=[case.pk]),
                           {"amount": "9999999.00", "due_date": (today() + dt.timedelta(days=3)).isoformat(),
                            "channel": "call"})
    assert response.status_code == 400
    assert f"金额超过逾期总额 {case.total_overdue} {case.currency}。" in response.content.decode()


def test_a_refused_promise_date_names_the_allowed_dates_in_the_agents_format(client, agent):
    StaffProfile.objects.filter(user=agent).update(language="zh-hans")
    case = contact_case(agent)
    client.force_login(agent)
    response = client.post(reverse("repayment_plans:promise-create", args=[case.pk]),
                           {"amount": "300.00", "due_date": (today() + dt.timedelta(days=40)).isoformat(),
                            "channel": "call"})
    first = today()
    assert f"日期必须在 {first.year}年{first.month}月{first.day}日 至 " in response.content.decode()


def test_a_plan_awaiting_approval_names_the_approving_role_in_words(client, agent):
    StaffProfile.objects.filter(user=agent).update(language="zh-hans")
    case = contact_case(agent)
    propose(case, agent, count=24)  # beyond an agent's 12 months
    client.force_login(agent)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "所需审批人 主管" in page and "supervisor" not in page.split("所需审批人", 1)[1][:40]
