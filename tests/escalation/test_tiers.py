"""Tier matching at every boundary of days past due and amount, as the pass computes it."""

import datetime as dt
from decimal import Decimal

import pytest

from cases.models import Case
from escalation.models import CaseEscalation, EscalationPending, Policy
from escalation.policy import policy_definition, policy_version_publish
from escalation.services import escalation_pass_run
from tests.escalation.helpers import AS_OF, case_at_dpd

LARGE = Decimal("50000.00")
JUST_BELOW = Decimal("49999.99")


@pytest.mark.django_db
@pytest.mark.parametrize(("dpd", "total", "tier"), [
    (1, JUST_BELOW, "T1"), (15, JUST_BELOW, "T1"),
    (16, JUST_BELOW, "T2"), (30, JUST_BELOW, "T2"),
    (31, JUST_BELOW, "T3"), (60, JUST_BELOW, "T3"),
    (61, JUST_BELOW, "T4"), (90, JUST_BELOW, "T4"),
    (91, JUST_BELOW, "T5"), (400, JUST_BELOW, "T5"),
    # Large cases are treated one tier higher, up to T4; T5 stays T5.
    (1, LARGE, "T2"), (15, LARGE, "T2"),
    (16, LARGE, "T3"), (30, LARGE, "T3"),
    (31, LARGE, "T4"), (60, LARGE, "T4"),
    (61, LARGE, "T4"), (90, LARGE, "T4"),
    (91, LARGE, "T5"),
])
def test_the_pass_places_a_case_in_its_tier(dpd, total, tier):
    case = case_at_dpd(dpd, total=total)
    escalation_pass_run(as_of=AS_OF)
    assert CaseEscalation.objects.get(case=case).tier_code == tier


@pytest.mark.django_db
def test_a_case_not_yet_past_due_has_no_tier():
    case = case_at_dpd(0)
    escalation_pass_run(as_of=AS_OF)
    assert not CaseEscalation.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_days_past_due_are_counted_in_the_cardholders_zone():
    # 10:00 in Shanghai on 30 November is still 29 November in New York: one day fewer past due.
    shanghai = case_at_dpd(16, zone="Asia/Shanghai")
    new_york = case_at_dpd(16, zone="Asia/Shanghai")
    new_york.account.customer.timezone = "America/New_York"
    new_york.account.customer.save()
    escalation_pass_run(as_of=AS_OF)
    assert CaseEscalation.objects.get(case=shanghai).tier_code == "T2"
    assert CaseEscalation.objects.get(case=new_york).tier_code == "T1"


def _with_usd_threshold(manager, amount="7000.00"):
    policy = Policy.objects.get(is_default=True)
    definition = policy_definition(version=policy.versions.get(number=1))
    definition["large_amount_thresholds"] = {"USD": Decimal(amount)}
    return policy_version_publish(policy=policy, effective_from=AS_OF - dt.timedelta(days=1), definition=definition,
                                  actor=manager, note="Large USD debts from 7,000.")


@pytest.mark.django_db
@pytest.mark.parametrize(("currency", "total", "tier"), [
    ("USD", Decimal("7000.00"), "T3"), ("USD", Decimal("6999.99"), "T2"),
    # No threshold for EUR: never large, however much is owed.
    ("EUR", Decimal("900000.00"), "T2"),
    ("CNY", LARGE, "T3"), ("CNY", JUST_BELOW, "T2"),
])
def test_large_is_judged_in_the_cases_own_currency(manager, currency, total, tier):
    _with_usd_threshold(manager)
    case = case_at_dpd(20, total=total, currency=currency)
    escalation_pass_run(as_of=AS_OF)
    assert CaseEscalation.objects.get(case=case).tier_code == tier


@pytest.mark.django_db
def test_an_amount_crossing_its_currencys_threshold_marks_the_case(manager):
    _with_usd_threshold(manager)
    case = case_at_dpd(20, total=Decimal("6000.00"), currency="USD")
    escalation_pass_run(as_of=AS_OF)
    Case.objects.filter(pk=case.pk).update(principal_overdue=Decimal("6500.00"))  # still below 7,000 USD
    assert not EscalationPending.objects.filter(case=case).exists()
    Case.objects.filter(pk=case.pk).update(principal_overdue=Decimal("7200.00"))
    assert EscalationPending.objects.filter(case=case).exists()
    escalation_pass_run(as_of=AS_OF + dt.timedelta(hours=1))
    assert CaseEscalation.objects.get(case=case).tier_code == "T3"
