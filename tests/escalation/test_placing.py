"""The policy's `place_with_agency` action: the pass places the due cases its rules choose, in bulk."""

import datetime as dt
from decimal import Decimal

import pytest

from agencies.models import EndCause, Placement
from agencies.services import agency_create, placements_end
from contacts.models import ScheduledContact
from core.actors import SYSTEM
from core.errors import DomainError
from escalation.models import Policy
from escalation.policy import policies_in_force, policy_definition, policy_version_publish
from escalation.services import escalation_pass_run
from tests.escalation.helpers import AS_OF, case_at_dpd, rules_of
from tests.factories import CustomerFactory


def publish_placement(manager, **rules):
    """The default policy with a placement with an agency on entering T5 (91 days past due and more)."""
    policy = Policy.objects.get(is_default=True)
    definition = policy_definition(version=policies_in_force(as_of=AS_OF).champion)
    definition["tiers"][-1]["actions"].append(
        {"code": "T5.agency", "channel": "place_with_agency", "cadence": "on_entry", **rules})
    return policy_version_publish(policy=policy, effective_from=AS_OF - dt.timedelta(hours=1), definition=definition,
                                  actor=manager, note="Late cases go to agencies")


def late_case(team, *, region="上海", total="10000.00", dpd=100):
    return case_at_dpd(dpd, assigned_team=team, stage="contact", total=Decimal(total),
                       customer=CustomerFactory(region=region))


@pytest.fixture
def agency(db):
    return agency_create(name="安信催收 Anxin Collections", licence="SH-2026-001", actor=SYSTEM, regions=["上海"],
                         capacity=2)


def test_the_pass_places_due_cases_with_an_agency_instead_of_contacting_them(manager, team, agency):
    publish_placement(manager)
    placed, earlier = late_case(team), late_case(team, dpd=40)

    summary = escalation_pass_run(as_of=AS_OF)

    assert Placement.objects.get(case=placed, ended_at__isnull=True).agency == agency
    assert rules_of(placed) == []  # not the legal review T5 would schedule: the agency works the case now
    assert not Placement.objects.filter(case=earlier).exists() and rules_of(earlier) != []
    assert summary.placed == {agency.name: 1} and summary.kept_in_house == {}


def test_the_agencys_capacity_holds_and_the_rest_stay_in_house_with_the_reason(manager, team, agency):
    publish_placement(manager)
    cases = [late_case(team) for _ in range(3)]

    summary = escalation_pass_run(as_of=AS_OF)

    assert Placement.objects.filter(agency=agency, ended_at__isnull=True).count() == 2
    assert summary.placed == {agency.name: 2} and summary.kept_in_house == {"no_room": 1}
    [kept] = [case for case in cases if not Placement.objects.filter(case=case).exists()]
    assert rules_of(kept) == ["T5.legal_review"]  # in-house, the policy's other actions go on


def test_a_case_no_agency_serves_stays_in_house_and_is_counted(manager, team, agency):
    publish_placement(manager)
    beijing = late_case(team, region="北京")

    summary = escalation_pass_run(as_of=AS_OF)

    assert not Placement.objects.filter(case=beijing).exists()
    assert summary.kept_in_house == {"no_agency": 1}
    assert rules_of(beijing) == ["T5.legal_review"]


def test_the_region_rule_places_only_the_cardholders_of_its_regions(manager, team, agency):
    agency_create(name="Beijing Agency", licence="BJ-1", actor=SYSTEM, regions=["北京", "上海"])
    publish_placement(manager, regions=["北京"])
    shanghai, beijing = late_case(team, region="上海"), late_case(team, region="北京")

    summary = escalation_pass_run(as_of=AS_OF)

    assert not Placement.objects.filter(case=shanghai).exists()
    assert Placement.objects.get(case=beijing).agency.name == "Beijing Agency"
    assert summary.kept_in_house == {}  # outside the rule is not a case kept in-house


def test_the_amount_and_bucket_rules_place_only_the_cases_they_take(manager, team, agency):
    publish_placement(manager, buckets=["M4"], min_amount=Decimal("5000.00"), max_amount=Decimal("50000.00"))
    small, fits, large = late_case(team, total="4999.99"), late_case(team, total="5000.00"), \
        late_case(team, total="50000.01")
    m5 = late_case(team, total="8000.00", dpd=130)

    escalation_pass_run(as_of=AS_OF)

    assert set(Placement.objects.values_list("case_id", flat=True)) == {fits.pk}
    assert {rules_of(case)[0] for case in (small, large, m5)} == {"T5.legal_review"}


def test_a_second_pass_leaves_placed_cases_alone(manager, team, agency):
    publish_placement(manager)
    case = late_case(team)
    escalation_pass_run(as_of=AS_OF)
    summary = escalation_pass_run(as_of=AS_OF + dt.timedelta(minutes=15))
    assert Placement.objects.filter(case=case).count() == 1 and summary.placed == {}


def test_a_case_back_from_its_agency_stays_in_house_until_it_enters_the_tier_again(manager, team, agency,
                                                                                     supervisor):
    publish_placement(manager)
    case = late_case(team)
    escalation_pass_run(as_of=AS_OF)
    placements_end(case_ids=[case.pk], cause=EndCause.MANUAL, reason="Back in-house", actor=supervisor,
                   at=AS_OF + dt.timedelta(minutes=5))

    summary = escalation_pass_run(as_of=AS_OF + dt.timedelta(minutes=15))

    assert Placement.objects.filter(case=case).count() == 1 and summary.placed == {}
    assert rules_of(case) == ["T5.legal_review"]  # worked in-house again


def test_a_dry_run_places_nothing(manager, team, agency):
    publish_placement(manager)
    case = late_case(team)
    summary = escalation_pass_run(as_of=AS_OF, dry_run=True)
    assert summary.placed == {agency.name: 1}
    assert not Placement.objects.filter(case=case).exists() and not ScheduledContact.objects.filter(case=case).exists()


@pytest.mark.parametrize(("rules", "message"), [
    ({"buckets": ["M9"]}, "buckets"),
    ({"min_amount": Decimal("-1")}, "amounts"),
    ({"min_amount": Decimal("100"), "max_amount": Decimal("50")}, "below its from amount"),
    ({"regions": "上海"}, "regions"),
    ({"fallback_channel": "letter"}, "no fallback channel"),
])
def test_publishing_refuses_placement_rules_that_make_no_sense(manager, rules, message):
    with pytest.raises(DomainError, match=message):
        publish_placement(manager, **rules)


def test_only_a_placement_takes_placement_rules(manager):
    policy = Policy.objects.get(is_default=True)
    definition = policy_definition(version=policies_in_force(as_of=AS_OF).champion)
    definition["tiers"][0]["actions"][0]["regions"] = ["上海"]
    with pytest.raises(DomainError, match="Only a placement"):
        policy_version_publish(policy=policy, effective_from=AS_OF, definition=definition, actor=manager, note="x")


def test_a_placement_action_and_its_rules_are_kept_with_the_version(manager):
    version = publish_placement(manager, regions=["上海"], buckets=["M4", "M5"], min_amount=Decimal("5000.00"))
    [action] = [a for t in policy_definition(version=version)["tiers"] for a in t["actions"]
                if a["channel"] == "place_with_agency"]
    assert (action["regions"], action["buckets"], action["min_amount"], action["max_amount"]) == (
        ["上海"], ["M4", "M5"], Decimal("5000.00"), None)
