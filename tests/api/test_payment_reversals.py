"""Reversals in the payments batch: a bounced or returned payment is taken back, and what it did is undone."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.ingest import PaymentReport, payments_ingest
from cases.ingest import reversals as reversals_module
from cases.lifecycle import Outcome, Stage
from cases.models import Case, Payment, StageHistory
from cases.timeline import case_timeline
from events.models import Event
from tests.api.conftest import AS_OF, account_item, payment_item, post_accounts, post_payments
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

NUMBER = "6222000000000001"


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def parts(case: Case) -> tuple:
    case.refresh_from_db()
    return case.fees_overdue, case.penalty_overdue, case.interest_overdue, case.principal_overdue


def reversal(tx: str, reverses: str, number: str = NUMBER, *, amount: str, **extra) -> dict:
    return payment_item(tx, number, amount=amount, paid_at=timezone.now() - dt.timedelta(minutes=1), reverses=reverses,
                        **extra)


@pytest.fixture
def case(core_system):
    # fees 20, penalty 10, interest 50, principal 1000
    [row] = results(post_accounts(core_system, account_item(NUMBER)))
    return Case.objects.get(pk=row["case_id"])


def test_a_reversal_puts_back_exactly_what_the_payment_paid_off(core_system, case):
    results(post_payments(core_system, payment_item("TX-1", amount="45.00")))
    assert parts(case) == (Decimal("0"), Decimal("0"), Decimal("35.00"), Decimal("1000.00"))

    [row] = results(post_payments(core_system, reversal("RV-1", "TX-1", amount="45.00")))

    assert row == {"transaction_id": "RV-1", "result": "reversed", "case_id": case.pk, "errors": []}
    assert parts(case) == (Decimal("20.00"), Decimal("10.00"), Decimal("50.00"), Decimal("1000.00"))
    assert Payment.objects.get(transaction_id="TX-1").reversed_at is not None
    assert Payment.objects.get(transaction_id="RV-1").reverses.transaction_id == "TX-1"
    assert not Payment.objects.counted().exists()
    event = Event.objects.get(case=case, type="payment.reversed")
    assert event.payload["reverses"] == "TX-1" and event.payload["amount"] == "45.00"


def test_reversing_the_payment_that_cured_the_case_reopens_the_same_case_in_contact(core_system, case):
    results(post_payments(core_system, payment_item("TX-1", amount="1080.00")))
    case.refresh_from_db()
    assert (case.stage, case.outcome) == (Stage.CLOSED, Outcome.CURED)

    [row] = results(post_payments(core_system, reversal("RV-1", "TX-1", amount="1080.00")))

    case.refresh_from_db()
    assert row["result"] == "reversed" and row["case_id"] == case.pk
    assert (case.stage, case.outcome, case.closed_at) == (Stage.CONTACT, "", None)
    assert case.total_overdue == Decimal("1080.00")
    history = StageHistory.objects.filter(case=case).first()
    assert (history.from_stage, history.to_stage) == (Stage.CLOSED, Stage.CONTACT)
    assert "reversed" in history.reason
    types = list(Event.objects.filter(case=case).order_by("id").values_list("type", flat=True))
    assert types[-3:] == ["case.stage_changed", "case.reopened", "payment.reversed"]
    assert Case.objects.filter(account=case.account).count() == 1


def test_when_the_account_has_a_newer_open_case_the_amount_is_added_there(core_system, case):
    results(post_payments(core_system, payment_item("TX-1", amount="1080.00")))
    newer = CaseFactory(account=case.account, stage=Stage.CONTACT, principal_overdue=Decimal("500.00"),
                        interest_overdue=Decimal("0"), fees_overdue=Decimal("0"), penalty_overdue=Decimal("0"))

    [row] = results(post_payments(core_system, reversal("RV-1", "TX-1", amount="1080.00")))

    case.refresh_from_db()
    assert row["case_id"] == newer.pk
    assert (case.stage, case.outcome) == (Stage.CLOSED, Outcome.CURED)
    assert parts(newer) == (Decimal("20.00"), Decimal("10.00"), Decimal("50.00"), Decimal("1500.00"))
    texts = [entry["text"] for entry in case_timeline(case=case)]
    assert any("TX-1" in text and str(newer.pk) in text for text in texts)


def test_an_unknown_or_already_reversed_payment_is_rejected_for_its_item(core_system, case):
    results(post_payments(core_system, payment_item("TX-1", amount="45.00")))

    rows = results(post_payments(core_system, reversal("RV-0", "TX-NOPE", amount="45.00"),
                                 reversal("RV-1", "TX-1", amount="45.00"),
                                 reversal("RV-2", "TX-1", amount="45.00"),
                                 reversal("RV-3", "RV-1", amount="45.00")))

    assert [r["result"] for r in rows] == ["rejected", "reversed", "rejected", "rejected"]
    assert (rows[0]["errors"][0]["field"], rows[0]["errors"][0]["code"]) == ("items[0].reverses", "unknown_payment")
    assert (rows[2]["errors"][0]["field"], rows[2]["errors"][0]["code"]) == ("items[2].reverses", "already_reversed")
    [again] = results(post_payments(core_system, reversal("RV-4", "TX-1", amount="45.00")))
    assert (again["result"], again["errors"][0]["code"]) == ("rejected", "already_reversed")
    assert parts(case) == (Decimal("20.00"), Decimal("10.00"), Decimal("50.00"), Decimal("1000.00"))


def test_a_replayed_reversal_is_a_duplicate_and_changes_nothing(core_system, case):
    results(post_payments(core_system, payment_item("TX-1", amount="45.00")))
    item = reversal("RV-1", "TX-1", amount="45.00")
    results(post_payments(core_system, item))
    before = parts(case)

    [row] = results(post_payments(core_system, item))

    assert (row["result"], row["case_id"]) == ("duplicate", case.pk)
    assert parts(case) == before and Event.objects.filter(type="payment.reversed").count() == 1


def test_a_reversal_must_take_back_the_whole_amount_of_a_payment_on_its_account(core_system, case):
    results(post_payments(core_system, payment_item("TX-1", amount="45.00")))
    results(post_accounts(core_system, account_item("6222000000000002")))
    rows = results(post_payments(core_system, reversal("RV-1", "TX-1", amount="40.00"),
                                 reversal("RV-2", "TX-1", "6222000000000002", amount="45.00")))
    assert [(r["errors"][0]["field"], r["errors"][0]["code"]) for r in rows] == [
        ("items[0].amount", "amount_mismatch"), ("items[1].reverses", "account_mismatch")]


def test_a_failure_half_way_through_a_batch_writes_nothing(core_system, case, monkeypatch):
    results(post_payments(core_system, payment_item("TX-1", amount="1080.00")))
    events = Event.objects.count()

    def failing(**kwargs):
        raise RuntimeError("the plans table is unavailable")

    monkeypatch.setitem(reversals_module._REVERSAL_REACTIONS, "agreements", failing)
    with pytest.raises(RuntimeError):
        payments_ingest(reports=[
            PaymentReport("TX-2", NUMBER, Decimal("5.00"), "CNY", timezone.now()),
            PaymentReport("RV-1", NUMBER, Decimal("1080.00"), "CNY", timezone.now(), reverses="TX-1")])

    case.refresh_from_db()
    assert (case.stage, case.outcome) == (Stage.CLOSED, Outcome.CURED)
    assert list(Payment.objects.values_list("transaction_id", "reversed_at")) == [("TX-1", None)]
    assert Event.objects.count() == events


def test_a_payment_and_its_reversal_in_one_batch_leave_the_case_as_it_was(core_system, case):
    before = parts(case)
    rows = results(post_payments(core_system, payment_item("TX-1", amount="45.00"),
                                 reversal("RV-1", "TX-1", amount="45.00")))
    assert [r["result"] for r in rows] == ["applied", "reversed"]
    assert parts(case) == before


def test_the_schema_documents_the_reversal_field(tmp_path):
    call_command("spectacular", "--format", "openapi-json", "--file", str(tmp_path / "schema.json"))
    schema = json.loads((tmp_path / "schema.json").read_text())
    item = schema["components"]["schemas"]["PaymentItem"]
    assert "reverses" in item["properties"] and "reverses" not in item["required"]
    assert "bounced" in item["properties"]["reverses"]["description"]
    ref = schema["components"]["schemas"]["PaymentsBatchResult"]["properties"]["result"]["$ref"]
    assert "reversed" in schema["components"]["schemas"][ref.rsplit("/", 1)[1]]["enum"]


# --- recoveries after write-off ------------------------------------------------------------------------------

@pytest.fixture
def written_off(db):
    closed_at = AS_OF - dt.timedelta(days=30)
    return CaseFactory(account__account_number=NUMBER, stage=Stage.CLOSED, outcome=Outcome.WRITTEN_OFF,
                       closed_at=closed_at, opened_at=closed_at - dt.timedelta(days=200))


def test_a_payment_after_a_write_off_is_a_recovery_on_the_closed_case(core_system, written_off):
    before = parts(written_off)

    [row] = results(post_payments(core_system, payment_item("TX-1", amount="300.00")))

    written_off.refresh_from_db()
    assert row == {"transaction_id": "TX-1", "result": "applied", "case_id": written_off.pk, "errors": []}
    payment = Payment.objects.get(transaction_id="TX-1")
    assert payment.case == written_off and payment.recovery
    assert (written_off.stage, written_off.outcome) == (Stage.CLOSED, Outcome.WRITTEN_OFF)
    assert parts(written_off) == before
    event = Event.objects.get(case=written_off, type="payment.recovered")
    assert event.payload["amount"] == "300.00" and event.payload["transaction_id"] == "TX-1"
    assert not Event.objects.filter(case=written_off, type__in=["case.reopened", "case.stage_changed"]).exists()


def test_a_payment_on_an_account_whose_last_case_was_cured_is_not_a_recovery(core_system, written_off):
    CaseFactory(account=written_off.account, stage=Stage.CLOSED, outcome=Outcome.CURED, closed_at=AS_OF,
                opened_at=AS_OF - dt.timedelta(days=10))
    [row] = results(post_payments(core_system, payment_item("TX-1", amount="300.00")))
    assert row["case_id"] is None and not Payment.objects.get().recovery


def test_a_bounced_recovery_is_recorded_and_the_written_off_case_stays_closed(core_system, written_off):
    results(post_payments(core_system, payment_item("TX-1", amount="300.00")))
    [row] = results(post_payments(core_system, reversal("RV-1", "TX-1", amount="300.00")))
    written_off.refresh_from_db()
    assert (row["result"], row["case_id"]) == ("reversed", written_off.pk)
    assert (written_off.stage, written_off.outcome) == (Stage.CLOSED, Outcome.WRITTEN_OFF)
    assert Event.objects.filter(case=written_off, type="payment.reversed").exists()


def test_reversing_money_paid_beyond_what_was_owed_leaves_the_cured_case_closed(core_system, case):
    rows = results(post_payments(core_system, payment_item("TX-1", amount="1080.00"),
                                 payment_item("TX-2", amount="50.00", paid_at=AS_OF + dt.timedelta(hours=2))))
    assert [r["result"] for r in rows] == ["applied", "applied"]

    [row] = results(post_payments(core_system, reversal("RV-2", "TX-2", amount="50.00")))

    case.refresh_from_db()
    assert row["result"] == "reversed"
    assert (case.stage, case.outcome, case.total_overdue) == (Stage.CLOSED, Outcome.CURED, Decimal("0"))
    assert not Event.objects.filter(case=case, type="case.reopened").exists()


def test_a_payment_the_last_snapshot_reflected_is_put_back_on_the_principal(core_system, case):
    results(post_payments(core_system, payment_item("TX-1", amount="45.00", paid_at=AS_OF - dt.timedelta(hours=1))))
    assert parts(case) == (Decimal("20.00"), Decimal("10.00"), Decimal("50.00"), Decimal("1000.00"))

    results(post_payments(core_system, reversal("RV-1", "TX-1", amount="45.00")))

    assert parts(case) == (Decimal("20.00"), Decimal("10.00"), Decimal("50.00"), Decimal("1045.00"))
