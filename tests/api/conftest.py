import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.services import api_client_create

AS_OF = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
# Tests run as if it were ten days after the first snapshot.
NOW = AS_OF + dt.timedelta(days=10)


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def core_system(db):
    """The bank's core system: a client with both scopes."""
    _client, token = api_client_create(name="core-banking", scopes=["ingest", "read"])
    return bearer(token)


@pytest.fixture
def reader(db):
    _client, token = api_client_create(name="core-reader", scopes=["read"])
    return bearer(token)


def account_item(number: str = "6222000000000001", *, principal="1000.00", interest="50.00", fees="20.00",
                 penalty="10.00", as_of: dt.datetime = AS_OF, overdue_since: dt.date | None = None, **extra) -> dict:
    item = {
        "account_number": number,
        "customer": {"external_id": f"C-{number}", "name": "王芳", "national_id": "310101199001011234",
                     "phone": "+8613800138000"},
        "currency": "CNY",
        "principal_overdue": principal, "interest_overdue": interest, "fees_overdue": fees,
        "penalty_overdue": penalty,
        "overdue_since": (overdue_since or (as_of.date() - dt.timedelta(days=20))).isoformat(),
        "as_of": as_of.isoformat(),
    }
    item.update(extra)
    return item


def payment_item(tx: str, number: str = "6222000000000001", *, amount="30.00", paid_at: dt.datetime | None = None,
                 **extra) -> dict:
    item = {"transaction_id": tx, "account_number": number, "amount": amount, "currency": "CNY",
            "paid_at": (paid_at or AS_OF + dt.timedelta(hours=1)).isoformat()}
    item.update(extra)
    return item


def post_accounts(client, *items):
    return client.post("/api/v1/accounts/batch", {"items": list(items)}, format="json")


def post_payments(client, *items):
    return client.post("/api/v1/payments/batch", {"items": list(items)}, format="json")


def money(value) -> Decimal:
    return Decimal(value)


@pytest.fixture(autouse=True)
def _fixed_now(request):
    """Snapshots in these tests are taken from AS_OF on; the clock stands at NOW."""
    if "no_time_travel" in request.keywords:
        yield
        return
    import time_machine

    with time_machine.travel(NOW, tick=True):
        assert timezone.now() > AS_OF
        yield
