"""The supervisor's edited rules, read back as a policy definition before any preview runs."""

from decimal import Decimal

import pytest

from core.errors import DomainError
from dashboards.policy_preview import policy_definition_parse

DRAFT = {"large_amount_threshold": "50000.00", "uplift_max_rank": 4,
         "tiers": [{"code": "T1", "name": "Reminder", "rank": 1, "dpd_from": 1, "dpd_to": None,
                    "actions": [{"code": "T1.sms", "channel": "sms", "cadence": "on_entry"}]}]}


def test_thresholds_in_other_currencies_are_read_as_money():
    definition = policy_definition_parse(data={**DRAFT, "currency": "CNY",
                                               "large_amount_thresholds": {"USD": "7000.00", "HKD": 55000}})
    assert definition["large_amount_thresholds"] == {"USD": Decimal("7000.00"), "HKD": Decimal("55000")}
    assert definition["currency"] == "CNY"


def test_a_draft_without_them_keeps_one_currency():
    definition = policy_definition_parse(data=DRAFT)
    assert definition["currency"] == "CNY" and definition["large_amount_thresholds"] == {}


@pytest.mark.parametrize("thresholds", [["USD", "7000"], {"USD": "seven thousand"}])
def test_malformed_thresholds_are_refused_beside_the_rules(thresholds):
    with pytest.raises(DomainError) as caught:
        policy_definition_parse(data={**DRAFT, "large_amount_thresholds": thresholds})
    assert caught.value.field == "definition"
