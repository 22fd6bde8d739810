import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.ingest import (
    AccountSnapshot,
    CustomerData,
    PaymentReport,
    accounts_ingest,
    payment_allocate,
    payments_ingest,
)

pytestmark = pytest.mark.django_db

AMOUNTS = {"fees_overdue": Decimal("20"), "penalty_overdue": Decimal("10"), "interest_overdue": Decimal("50"),
           "principal_overdue": Decimal("1000")}


def snapshot(number: str, as_of: dt.datetime, principal: str = "100.00") -> AccountSnapshot:
    return AccountSnapshot(
        account_number=number, customer=CustomerData(external_id=f"C{number}", name="李雷", national_id="1",
                                                     phone="+86138"),
        currency="CNY", principal_overdue=Decimal(principal), interest_overdue=Decimal("1.00"),
        fees_overdue=Decimal("0"), penalty_overdue=Decimal("0"), overdue_since=as_of.date() - dt.timedelta(days=3),
        as_of=as_of)


def test_allocation_pays_fees_penalty_interest_principal_and_returns_the_overpayment():
    left, over = payment_allocate(amounts=AMOUNTS, paid=Decimal("1100"))
    assert left == dict.fromkeys(AMOUNTS, Decimal("0")) and over == Decimal("20")
    left, over = payment_allocate(amounts=AMOUNTS, paid=Decimal("25"))
    assert (left["fees_overdue"], left["penalty_overdue"], over) == (Decimal("0"), Decimal("5"), Decimal("0"))


@override_settings(COLLECTIONS_PAYMENT_ALLOCATION=["interest", "principal", "fees", "penalty"])
def test_allocation_follows_the_configured_order():
    left, _over = payment_allocate(amounts=AMOUNTS, paid=Decimal("60"))
    assert (left["interest_overdue"], left["principal_overdue"], left["fees_overdue"]) == (
        Decimal("0"), Decimal("990"), Decimal("20"))


@pytest.mark.parametrize("kind", ["accounts", "payments"])
def test_a_batch_costs_the_same_number_of_queries_whatever_its_size(kind):
    now = timezone.now()

    def queries(size: int, prefix: str) -> int:
        numbers = [f"{prefix}{n:06d}" for n in range(size)]
        accounts_ingest(snapshots=[snapshot(n, now - dt.timedelta(hours=2)) for n in numbers])
        with CaptureQueriesContext(connection) as captured:
            if kind == "accounts":
                accounts_ingest(snapshots=[snapshot(n, now - dt.timedelta(hours=1), "50.00") for n in numbers])
            else:
                payments_ingest(reports=[PaymentReport(transaction_id=f"T{n}", account_number=n,
                                                       amount=Decimal("5.00"), currency="CNY", paid_at=now)
                                         for n in numbers])
        return len(captured.captured_queries)

    assert queries(3, "71") == queries(60, "72")


def stored_tokens(external_id: str) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id, phone, email, address FROM cases_customer WHERE external_id = %s",
                       [external_id])
        return cursor.fetchone()


def test_personal_data_a_later_snapshot_repeats_is_not_encrypted_again():
    from cases.models import Customer

    now = timezone.now()
    first = snapshot("6222000000000001", now - dt.timedelta(hours=2))
    first.customer.national_id, first.customer.address = "11010519900307123x", "北京市朝阳区"
    accounts_ingest(snapshots=[first])
    before = stored_tokens(first.customer.external_id)

    later = snapshot("6222000000000001", now - dt.timedelta(hours=1), "50.00")
    # The same national id up to letter case, the same address; the phone is new.
    later.customer.national_id, later.customer.address, later.customer.phone = \
        "11010519900307123X", "北京市朝阳区", "+8613911112222"
    accounts_ingest(snapshots=[later])

    after = stored_tokens(first.customer.external_id)
    assert (after[0], after[3]) == (before[0], before[3])
    assert after[1] != before[1]
    customer = Customer.objects.get()
    assert (customer.national_id, customer.phone, customer.address) == (
        "11010519900307123x", "+8613911112222", "北京市朝阳区")


def test_a_changed_email_or_address_is_stored_and_one_left_out_is_kept():
    from cases.models import Customer

    now = timezone.now()
    first = snapshot("6222000000000001", now - dt.timedelta(hours=2))
    first.customer.email, first.customer.address = "li.lei@example.cn", "上海市黄浦区"
    accounts_ingest(snapshots=[first])

    later = snapshot("6222000000000001", now - dt.timedelta(hours=1))
    later.customer.email = "lei.li@example.cn"
    accounts_ingest(snapshots=[later])

    customer = Customer.objects.get()
    assert (customer.email, customer.address) == ("lei.li@example.cn", "上海市黄浦区")
