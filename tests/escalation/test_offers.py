"""Plan offers on the policy: their bounds are held on the server when a version is published, by whom, and
which cases each fits."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import DomainError
from dashboards.policy_preview import policy_definition_parse
from escalation.models import PlanOffer, PolicyTier
from escalation.offers import case_offers, offer_terms
from escalation.policy import policy_definition
from tests.escalation.helpers import case_at_dpd, offer, offers_publish, settlement

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def test_a_manager_publishes_offers_as_a_new_version_that_names_them_as_approver(manager):
    version = offers_publish(actor=manager, offers=[offer("six"), settlement("seventy")])
    assert version.created_by == manager
    assert list(version.offers.values_list("code", flat=True)) == ["six", "seventy"]
    # The next version copies them, as it copies the rest of the policy.
    assert [o["code"] for o in policy_definition(version=version)["offers"]] == ["six", "seventy"]


@pytest.mark.parametrize(("terms", "words"), [
    ({"months": 1}, "2 to 60 monthly payments"),
    ({"months": 61}, "2 to 60 monthly payments"),
    ({"dpd_from": 0}, "days past due"),
    ({"dpd_from": 31, "dpd_to": 30}, "days past due"),
    ({"amount_from": Decimal("500"), "amount_to": Decimal("100")}, "amount overdue"),
    ({"currency": "XYZ"}, "ISO 4217"),
    ({"waive_charges_percent": Decimal("120")}, "between 0 and 100"),
    ({"deferral_days": 91}, "0 to 90 days"),
    ({"months": 60, "deferral_days": 60}, "more than 60 months"),
    ({"pay_percent": Decimal("70")}, "belong to a settlement"),
])
def test_an_instalment_offer_outside_its_bounds_is_refused(manager, terms, words):
    with pytest.raises(DomainError) as refused:
        offers_publish(actor=manager, offers=[offer("bad", **terms)])
    assert refused.value.field == "offers" and words in refused.value.message and "bad" in refused.value.message
    assert not PlanOffer.objects.exists()


@pytest.mark.parametrize(("terms", "words"), [
    ({"pay_percent": Decimal("100")}, "less than 100"),
    ({"pay_percent": Decimal("0")}, "more than 0"),
    ({"pay_within_days": 0}, "within 1 to 90 days"),
    ({"pay_within_days": 120}, "within 1 to 90 days"),
    ({"deferral_days": 10}, "no deferral"),
])
def test_a_settlement_offer_outside_its_bounds_is_refused(manager, terms, words):
    with pytest.raises(DomainError) as refused:
        offers_publish(actor=manager, offers=[settlement("bad", **terms)])
    assert words in refused.value.message


def test_two_offers_with_one_code_are_refused(manager):
    with pytest.raises(DomainError, match="its own code"):
        offers_publish(actor=manager, offers=[offer("same"), offer("same", months=12)])


def test_only_someone_who_approves_plans_publishes_offers(agent):
    with pytest.raises(DomainError, match="only someone who approves plans"):
        offers_publish(actor=agent, offers=[offer("six")])


def test_an_offer_beyond_the_publishers_authority_is_refused(supervisor):
    # Paying 70 % waives 30 % of the principal; a supervisor's authority stops at 10 %.
    with pytest.raises(DomainError, match="beyond your authority"):
        offers_publish(actor=supervisor, offers=[settlement("seventy")])
    assert offers_publish(actor=supervisor, offers=[offer("six")]).offers.count() == 1


def test_the_database_refuses_an_offer_beyond_its_bounds(manager):
    version = offers_publish(actor=manager, offers=[])
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanOffer.objects.create(version=version, code="x", kind="instalments", dpd_from=1, currency="CNY",
                                 amount_from=0, months=61)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanOffer.objects.create(version=version, code="y", kind="settlement", dpd_from=1, currency="CNY",
                                 amount_from=0, pay_percent=Decimal("100"), pay_within_days=30)


def test_the_policy_pages_json_carries_offers_and_links_per_tier(manager):
    data = {"large_amount_threshold": "50000", "uplift_max_rank": 4,
            "tiers": [{"code": "T1", "name": "Reminder", "rank": 1, "dpd_from": 1, "dpd_to": None,
                       "self_service_links": False, "actions": []}],
            "offers": [{"code": "six", "kind": "instalments", "dpd_from": 1, "dpd_to": 30, "currency": "CNY",
                        "amount_from": "0", "amount_to": "50000.00", "months": 6}]}
    definition = policy_definition_parse(data=data)
    assert definition["tiers"][0]["self_service_links"] is False
    assert definition["offers"][0]["months"] == 6 and definition["offers"][0]["amount_to"] == Decimal("50000.00")
    with pytest.raises(DomainError) as refused:
        policy_definition_parse(data={**data, "offers": [{**data["offers"][0], "months": "six"}]})
    assert refused.value.field == "offers"


def test_links_per_tier_are_published_with_the_version(manager):
    version = offers_publish(actor=manager, offers=[], links_off=("T1",))
    assert not PolicyTier.objects.get(version=version, code="T1").self_service_links
    assert PolicyTier.objects.get(version=version, code="T2").self_service_links


def test_a_case_sees_the_offers_of_its_days_past_due_amount_and_currency(manager):
    offers_publish(actor=manager, offers=[
        offer("m1"), offer("m2", dpd_from=31, dpd_to=60), offer("large", amount_from=Decimal("50000.01"),
                                                                amount_to=None),
        offer("usd", currency="USD"), settlement("any-dpd", dpd_to=None)])
    case = case_at_dpd(20, as_of=NOW)
    assert [o.code for o in case_offers(case=case, at=NOW)] == ["m1", "any-dpd"]
    later = case_at_dpd(45, as_of=NOW)
    assert [o.code for o in case_offers(case=later, at=NOW)] == ["m2", "any-dpd"]


def test_an_offers_terms_are_computed_from_the_cardholders_today(manager):
    version = offers_publish(actor=manager, offers=[offer("twelve", months=12, waive_charges_percent=Decimal("50"),
                                                          deferral_days=30), settlement("seventy")])
    case = case_at_dpd(20, as_of=NOW)
    today = timezone.localdate(NOW, timezone=dt.timezone(dt.timedelta(hours=8)))
    twelve = offer_terms(offer=version.offers.get(code="twelve"), case=case, at=NOW)
    assert twelve.count == 12 and twelve.first_due_date == today + dt.timedelta(days=37)
    assert twelve.waivers == {"principal": 0, "interest": 50, "fees": 50, "penalty": 50}
    seventy = offer_terms(offer=version.offers.get(code="seventy"), case=case, at=NOW)
    assert seventy.count == 1 and seventy.first_due_date == today + dt.timedelta(days=30)
    assert set(seventy.waivers.values()) == {Decimal("30")}
