import datetime as dt
from decimal import Decimal

import pytest
from django_celery_beat.models import PeriodicTask

from contacts.models import JurisdictionProfile
from core.errors import DomainError
from escalation.models import Policy
from escalation.policy import case_share_bucket, policy_definition, policy_version_publish


@pytest.mark.django_db
def test_the_default_policy_ships_as_data_with_its_five_tiers():
    version = Policy.objects.get(is_default=True).versions.get(number=1)
    definition = policy_definition(version=version)
    assert [(t["code"], t["dpd_from"], t["dpd_to"]) for t in definition["tiers"]] == [
        ("T1", 1, 15), ("T2", 16, 30), ("T3", 31, 60), ("T4", 61, 90), ("T5", 91, None)]
    assert version.large_amount_threshold == 50000
    assert [a["code"] for a in definition["tiers"][2]["actions"]] == [
        "T3.call", "T3.notice_email", "T3.notice_letter", "T3.visit"]


@pytest.mark.django_db
def test_the_cn_and_us_profiles_ship_with_cn_as_default():
    assert list(JurisdictionProfile.objects.order_by("code").values_list("code", "is_default")) == [
        ("CN", True), ("US", False)]


@pytest.mark.django_db
def test_the_escalation_pass_is_scheduled_every_fifteen_minutes():
    task = PeriodicTask.objects.get(name="Escalation pass")
    assert (task.task, task.interval.every, task.interval.period) == ("escalation.pass", 900, "seconds")


@pytest.mark.django_db
def test_publishing_numbers_versions_and_keeps_the_old_one(manager):
    policy = Policy.objects.get(is_default=True)
    definition = policy_definition(version=policy.versions.get(number=1))
    before = policy.versions.count()  # the migrations publish the default policy and its amendments
    v2 = policy_version_publish(policy=policy, effective_from=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
                                definition=definition, actor=manager, note="Same rules, new year.")
    assert v2.number == before + 1 and v2.created_by_label == "manager"
    assert policy.versions.count() == before + 1


@pytest.mark.django_db
def test_publishing_refuses_tiers_with_a_gap(manager):
    policy = Policy.objects.get(is_default=True)
    definition = policy_definition(version=policy.versions.get(number=1))
    definition["tiers"][1]["dpd_from"] = 17
    with pytest.raises(DomainError, match="T2 must start the day after T1"):
        policy_version_publish(policy=policy, effective_from=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
                               definition=definition, actor=manager, note="Gap")


@pytest.mark.django_db
def test_thresholds_in_other_currencies_are_kept_with_the_version(manager):
    policy = Policy.objects.get(is_default=True)
    definition = policy_definition(version=policy.versions.get(number=1))
    assert definition["currency"] == "CNY" and definition["large_amount_thresholds"] == {}
    definition["large_amount_thresholds"] = {"USD": Decimal("7000.00"), "HKD": Decimal("55000")}
    v2 = policy_version_publish(policy=policy, effective_from=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
                                definition=definition, actor=manager, note="Foreign-currency debts.")
    assert policy_definition(version=v2)["large_amount_thresholds"] == {"USD": Decimal("7000.00"),
                                                                        "HKD": Decimal("55000")}


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "message"), [
    ({"currency": "XYZ"}, "'XYZ' is not an ISO 4217 currency code"),
    ({"large_amount_thresholds": {"usd": Decimal("7000")}}, "'usd' is not another ISO 4217"),
    ({"large_amount_thresholds": {"CNY": Decimal("7000")}}, "'CNY' is not another ISO 4217"),
    ({"large_amount_thresholds": {"USD": Decimal("0")}}, "threshold in USD must be a positive amount"),
    ({"large_amount_thresholds": {"USD": Decimal("7000.001")}}, "at most two decimals"),
    ({"large_amount_thresholds": {"USD": "7000"}}, "threshold in USD must be a positive amount"),
])
def test_publishing_refuses_a_bad_currency_or_threshold(manager, change, message):
    policy = Policy.objects.get(is_default=True)
    definition = {**policy_definition(version=policy.versions.get(number=1)), **change}
    with pytest.raises(DomainError, match=message):
        policy_version_publish(policy=policy, effective_from=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
                               definition=definition, actor=manager, note="Bad")


def test_the_challenger_share_is_stable_and_spread():
    buckets = [case_share_bucket(case_id) for case_id in range(1, 10_001)]
    assert buckets == [case_share_bucket(case_id) for case_id in range(1, 10_001)]
    share = sum(1 for b in buckets if b < 10) / len(buckets)
    assert 0.08 < share < 0.12


@pytest.mark.django_db
def test_due_contacts_are_delivered_every_minute():
    task = PeriodicTask.objects.get(name="Deliver due contacts")
    assert (task.task, task.interval.every, task.interval.period) == ("contacts.send_due", 60, "seconds")
