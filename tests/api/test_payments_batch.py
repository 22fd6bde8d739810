import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import override_settings

from cases.lifecycle import Outcome, Stage
from cases.models import Case, Payment
from events.models import Event
from tests.api.conftest import AS_OF, account_item, payment_item, post_accounts, post_payments

pytestmark = pytest.mark.django_db

NUMBER = "6222000000000001"


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def parts(case: Case) -> tuple:
    case.refresh_from_db()
    return case.fees_overdue, case.penalty_overdue, case.interest_overdue, case.principal_overdue


@pytest.fixture
def case(core_system):
    # fees 20, penalty 10, interest 50, principal 1000
    [row] = results(post_accounts(core_system, account_item(NUMBER)))
    return Case.objects.get(pk=row["case_id"])


def test_a_payment_pays_fees_then_penalty_then_interest_then_principal(core_system, case):
    [row] = results(post_payments(core_system, payment_item("TX-1", amount="45.00")))

    assert row == {"transaction_id": "TX-1", "result": "applied", "case_id": case.pk, "errors": []}
    assert parts(case) == (Decimal("0"), Decimal("0"), Decimal("35.00"), Decimal("1000.00"))
    assert Payment.objects.get(transaction_id="TX-1").case == case


@override_settings(COLLECTIONS_PAYMENT_ALLOCATION=["principal", "interest", "penalty", "fees"])
def test_the_allocation_order_is_a_setting(core_system, case):
    results(post_payments(core_system, payment_item("TX-1", amount="1010.00")))
    assert parts(case) == (Decimal("20.00"), Decimal("10.00"), Decimal("40.00"), Decimal("0"))


def test_a_repeated_transaction_id_is_a_duplicate_and_changes_nothing(core_system, case):
    results(post_payments(core_system, payment_item("TX-1")))
    before = parts(case)

    [row] = results(post_payments(core_system, payment_item("TX-1")))

    assert row["result"] == "duplicate" and row["case_id"] == case.pk
    assert parts(case) == before and Payment.objects.count() == 1


def test_the_same_transaction_id_with_other_content_is_rejected(core_system, case):
    results(post_payments(core_system, payment_item("TX-1")))
    [row] = results(post_payments(core_system, payment_item("TX-1", amount="31.00")))
    assert row["result"] == "rejected"
    assert row["errors"][0]["field"] == "items[0].transaction_id"
    assert row["errors"][0]["code"] == "transaction_conflict"
    assert Payment.objects.get().amount == Decimal("30.00")


def test_a_payment_for_an_unknown_account_is_rejected(core_system):
    [row] = results(post_payments(core_system, payment_item("TX-1", "6222999999999999")))
    assert row["result"] == "rejected" and row["errors"][0]["code"] == "unknown_account"
    assert not Payment.objects.exists()


def test_a_payment_for_an_account_without_an_open_case_is_recorded(core_system):
    results(post_accounts(core_system, account_item(principal="0", interest="0", fees="0", penalty="0")))
    [row] = results(post_payments(core_system, payment_item("TX-1")))
    assert row == {"transaction_id": "TX-1", "result": "applied", "case_id": None, "errors": []}
    assert Payment.objects.get().case is None


def test_paying_everything_closes_the_case_as_cured(core_system, case):
    rows = results(post_payments(core_system, payment_item("TX-1", amount="80.00"),
                                 payment_item("TX-2", amount="1000.00")))

    case.refresh_from_db()
    assert [r["result"] for r in rows] == ["applied", "applied"]
    assert (case.stage, case.outcome, case.total_overdue) == (Stage.CLOSED, Outcome.CURED, Decimal("0"))
    assert list(Event.objects.filter(case=case).order_by("id").values_list("type", flat=True)) == [
        "case.opened", "case.stage_changed", "case.closed"]


def test_an_overpayment_cures_and_is_kept_whole(core_system, case):
    results(post_payments(core_system, payment_item("TX-1", amount="5000.00")))
    case.refresh_from_db()
    assert case.outcome == Outcome.CURED and Payment.objects.get().amount == Decimal("5000.00")


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"amount": "0.00"}, "amount", "min_value"),
    ({"amount": "-5"}, "amount", "min_value"),
    ({"amount": "1.001"}, "amount", "max_decimal_places"),
    ({"amount": "abc"}, "amount", "invalid"),
    ({"amount": "1E+100"}, "amount", "max_digits"),
    ({"amount": "NaN"}, "amount", "invalid"),
    ({"paid_at": "2026-11-20"}, "paid_at", "invalid"),
    ({"currency": "RMB"}, "currency", "unknown_currency"),
    ({"currency": "USD"}, "currency", "currency_mismatch"),
    ({"paid_at": "2030-01-01T00:00:00+08:00"}, "paid_at", "in_future"),
    ({"memo": "x"}, "memo", "unknown_field"),
])
def test_an_invalid_payment_is_rejected_and_the_rest_of_the_batch_applies(core_system, case, change, field, code):
    rows = results(post_payments(core_system, payment_item("TX-1"), {**payment_item("TX-2"), **change}))

    assert rows[0]["result"] == "applied"
    assert rows[1]["result"] == "rejected"
    assert (rows[1]["errors"][0]["field"], rows[1]["errors"][0]["code"]) == (f"items[1].{field}", code)
    assert list(Payment.objects.values_list("transaction_id", flat=True)) == ["TX-1"]


def test_a_payment_already_reflected_in_a_later_snapshot_is_recorded_without_paying_twice(core_system, case):
    # The core system's next snapshot already counts a payment made before it was taken...
    results(post_accounts(core_system, account_item(NUMBER, fees="0", penalty="0", interest="30.00",
                                                   as_of=AS_OF + dt.timedelta(days=2))))
    # ...and that payment reaches us only afterwards.
    [row] = results(post_payments(core_system, payment_item("TX-1", amount="50.00",
                                                            paid_at=AS_OF + dt.timedelta(days=1))))

    assert row["result"] == "applied"
    assert parts(case) == (Decimal("0"), Decimal("0"), Decimal("30.00"), Decimal("1000.00"))


def test_a_snapshot_older_than_a_payment_received_does_not_undo_it(core_system, case):
    results(post_payments(core_system, payment_item("TX-1", amount="30.00", paid_at=AS_OF + dt.timedelta(days=2))))
    # A snapshot taken before that payment, arriving after it.
    [row] = results(post_accounts(core_system, account_item(NUMBER, principal="2000.00",
                                                           as_of=AS_OF + dt.timedelta(days=1))))

    assert row["result"] == "updated"
    assert parts(case) == (Decimal("0"), Decimal("0"), Decimal("50.00"), Decimal("2000.00"))


def test_a_repeat_inside_one_batch_is_a_duplicate(core_system, case):
    rows = results(post_payments(core_system, payment_item("TX-1"), payment_item("TX-1"),
                                 payment_item("TX-1", amount="99.00")))
    assert [r["result"] for r in rows] == ["applied", "duplicate", "rejected"]
    assert parts(case)[0] == Decimal("0")  # 30 paid once: fees 20, penalty 10
    assert parts(case)[1] == Decimal("0") and parts(case)[2] == Decimal("50.00")


def test_an_amount_may_also_be_sent_as_a_json_number(core_system, case):
    item = json.dumps(payment_item("TX-1")).replace('"30.00"', "45.10")  # a JSON number, not a string
    body = f'{{"items": [{item}]}}'
    response = core_system.post("/api/v1/payments/batch", body, content_type="application/json")
    assert results(response)[0]["result"] == "applied"
    assert Payment.objects.get().amount == Decimal("45.10")


def post_with_amount(core_system, literal: str):
    item = json.dumps(payment_item("TX-1")).replace('"30.00"', literal)
    return core_system.post("/api/v1/payments/batch", f'{{"items": [{item}]}}', content_type="application/json")


def test_an_amount_sent_as_a_whole_json_number_is_applied(core_system, case):
    assert results(post_with_amount(core_system, "45"))[0]["result"] == "applied"
    assert Payment.objects.get().amount == Decimal("45.00")


@pytest.mark.parametrize(("literal", "code"), [
    ("45.105", "max_decimal_places"),
    ("4.5e1000", "max_digits"),
    ("123456789012345678901234567890", "max_digits"),
    ("0.10000000000000000001", "max_digits"),  # 20 digits, as DRF's DecimalField counts them
])
def test_an_amount_sent_as_a_json_number_is_read_exactly(core_system, case, literal, code):
    [row] = results(post_with_amount(core_system, literal))
    assert (row["result"], row["errors"][0]["code"]) == ("rejected", code)
    assert not Payment.objects.exists()
