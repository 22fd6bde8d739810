"""Affordability: a proposal may carry the cardholder's income and expenditure; the disposable income is shown
beside the instalment, an instalment above it needs a reason, and the plan records why it is needed (Art. 70)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from repayment_plans.affordability import IncomeAndExpenditure
from repayment_plans.models import IncomeStatement, PlanBasis, RepaymentPlan
from repayment_plans.plans import PlanError
from staff.models import StaffProfile
from tests.repayment_plans.helpers import contact_case, propose
from tests.repayment_plans.test_views import plan_data

pytestmark = pytest.mark.django_db

# The factory's case owes 10,225.50; in 12 payments that is 852.12 a month, 852.18 the last.
STATEMENT = IncomeAndExpenditure(monthly_income=Decimal("6000.00"), income_sources=("salary", "family"),
                                 household_size=3, essential_spending=Decimal("4200.00"),
                                 other_debts=Decimal("500.00"))
TIGHT = IncomeAndExpenditure(monthly_income=Decimal("5000.00"), income_sources=("salary",), household_size=2,
                             essential_spending=Decimal("4000.00"), other_debts=Decimal("300.00"))


def test_the_statement_is_kept_with_the_plan_and_its_disposable_income_computed(agent):
    plan = propose(contact_case(agent), agent, count=12, statement=STATEMENT)
    statement = IncomeStatement.objects.get(plan=plan)
    assert statement.disposable_income == Decimal("1300.00")
    assert (statement.income_sources, statement.household_size, statement.shortfall_reason) == (
        ["salary", "family"], 3, "")
    assert plan.basis == PlanBasis.BEYOND_ABILITY_WILLING


def test_an_instalment_above_the_disposable_income_needs_a_reason(agent):
    case = contact_case(agent)
    with pytest.raises(PlanError) as caught:
        propose(case, agent, count=12, statement=TIGHT)  # 852.18 against 700.00
    assert (caught.value.field, caught.value.code) == ("shortfall_reason", "reason_required")
    assert not RepaymentPlan.objects.exists()
    plan = propose(case, agent, count=12, statement=TIGHT, shortfall_reason="A pay rise is due in March.")
    assert plan.income_statement.shortfall_reason == "A pay rise is due in March."


def test_a_plan_records_why_it_is_needed(agent):
    with pytest.raises(PlanError) as caught:
        propose(contact_case(agent), agent, count=12, basis="")
    assert caught.value.field == "basis"
    plan = propose(contact_case(agent), agent, count=12, basis=PlanBasis.WITHIN_ABILITY)
    assert plan.basis == PlanBasis.WITHIN_ABILITY and not IncomeStatement.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("monthly_income", Decimal("-1")), ("household_size", 0),
                                              ("income_sources", ("lottery",)),
                                              ("essential_spending", Decimal("1.001"))])
def test_impossible_figures_are_refused_beside_their_field(agent, field, value):
    from dataclasses import replace

    with pytest.raises(PlanError) as caught:
        propose(contact_case(agent), agent, count=12, statement=replace(STATEMENT, **{field: value}))
    assert caught.value.field == field


STATEMENT_FORM = {"monthly_income": "5000.00", "income_sources": ["salary"], "household_size": "2",
                  "essential_spending": "4000.00", "other_debts": "300.00"}


def test_the_calculator_shows_the_disposable_income_beside_the_instalment(client, agent):
    case = contact_case(agent)
    client.force_login(agent)
    url = reverse("repayment_plans:plan-create", args=[case.pk])
    response = client.post(url, {**plan_data(count="12"), **STATEMENT_FORM, "action": "preview"},
                           HTTP_HX_REQUEST="true")
    body = response.content.decode()
    figures = body[body.index('id="plan-affordability"'):].split("</p>")[0]
    assert response.status_code == 200
    assert "Disposable income" in figures and "700.00 CNY" in figures and "852.18 CNY" in figures
    assert 'id="plan-affordability-warning"' in body


def test_a_proposal_above_the_disposable_income_without_a_reason_keeps_the_figures_and_asks_beside_the_field(
        client, agent):
    case = contact_case(agent)
    client.force_login(agent)
    url = reverse("repayment_plans:plan-create", args=[case.pk])
    response = client.post(url, {**plan_data(count="12"), **STATEMENT_FORM, "action": "propose"})
    body = response.content.decode()
    assert response.status_code == 400 and not RepaymentPlan.objects.exists()
    assert 'id="pp-shortfall_reason_error"' in body and 'id="plan-affordability"' in body
    assert 'value="5000.00"' in body  # what was typed stays


def test_a_partial_statement_asks_for_the_missing_figures(client, agent):
    case = contact_case(agent)
    client.force_login(agent)
    response = client.post(reverse("repayment_plans:plan-create", args=[case.pk]),
                           {**plan_data(count="12"), "monthly_income": "5000", "action": "preview"})
    body = response.content.decode()
    assert 'id="pp-household_size_error"' in body and 'id="pp-essential_spending_error"' in body


def test_proposing_without_saying_why_a_plan_is_refused_beside_the_choice(client, agent):
    case = contact_case(agent)
    client.force_login(agent)
    response = client.post(reverse("repayment_plans:plan-create", args=[case.pk]),
                           {**plan_data(count="12", basis=""), "action": "propose"})
    assert response.status_code == 400 and 'id="pp-basis_error"' in response.content.decode()
    assert not RepaymentPlan.objects.exists()


@pytest.mark.parametrize(("language", "texts"), [
    ("en", ["Disposable income", "1300.00 CNY", "852.18 CNY", "Within own authority",
            "approved by its proposer, agent, within their own authority",
            "Beyond the cardholder&#x27;s ability, with willingness to pay"]),
    ("zh-hans", ["可支配收入", "1300.00 CNY", "852.18 CNY", "在本人权限内", "由提出人 agent 在本人权限内批准",
                 "超出持卡人还款能力，但有还款意愿"]),
])
def test_the_case_page_shows_the_affordability_and_how_the_plan_was_approved(client, agent, language, texts):
    plan = propose(contact_case(agent), agent, count=12, statement=STATEMENT)
    StaffProfile.objects.filter(user=agent).update(language=language)
    client.force_login(agent)
    body = client.get(reverse("cases:detail", args=[plan.case_id])).content.decode()
    card = body[body.index(f'id="plan-{plan.pk}"'):].split("</article>")[0]
    for text in texts:
        assert text in card, text
