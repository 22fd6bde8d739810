"""Scenario data: cases at chosen days past due, and core-system batch items."""

import datetime as dt
import itertools
from decimal import Decimal

_serial = itertools.count(1)


def cases_at_dpds(dpds, *, as_of: dt.datetime):
    from tests.escalation.helpers import case_at_dpd

    return [case_at_dpd(dpd, as_of=as_of) for dpd in dpds]


def account_item(number: str, *, as_of: dt.datetime, dpd: int = 20) -> dict:
    return {
        "account_number": number,
        "customer": {"external_id": f"C-{number}", "name": "王芳", "national_id": f"3101011990{number[-8:]}",
                     "phone": f"+86138{number[-8:]}"},
        "currency": "CNY", "principal_overdue": "1000.00", "interest_overdue": "50.00", "fees_overdue": "20.00",
        "penalty_overdue": "10.00", "overdue_since": (as_of.date() - dt.timedelta(days=dpd)).isoformat(),
        "as_of": as_of.isoformat(),
    }


def payment_item(tx: str, number: str, *, paid_at: dt.datetime, amount: Decimal = Decimal("1.00")) -> dict:
    return {"transaction_id": tx, "account_number": number, "amount": str(amount), "currency": "CNY",
            "paid_at": paid_at.isoformat()}


def api_client(scopes=("ingest", "read")):
    from rest_framework.test import APIClient

    from api.services import api_client_create

    _client, token = api_client_create(name=f"faults-{next(_serial)}", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
