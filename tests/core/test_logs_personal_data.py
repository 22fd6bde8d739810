"""No log line, at any level, carries personal data given to the API or typed into the pages.

The day runs with the root logger at DEBUG, a real worker and production's JSON formatter: the core system
pushes accounts and payments (and a malformed batch), the escalation pass runs on the worker, contacts are
delivered, staff open the case, reveal each personal field and log a call; the captured output is then
searched for every value. (Django's SQL lines, DEBUG too, are written only under DEBUG settings, which
production never runs.)
"""

import datetime as dt
import json

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.services import api_client_create
from cases.models import Case
from contacts.delivery import contact_deliver
from contacts.models import ScheduledContact
from escalation.tasks import escalation_pass
from tests.core.test_request_log import Captured
from tests.workers import wait_for

CARDHOLDER = {"name": "欧阳明珠", "national_id": "44030119850317296X", "phone": "+8613987654321",
              "email": "mingzhu.ouyang@example.cn", "address": "深圳市南山区科技园南路88号"}
# Each value, and the forms a careless line would print it in.
NEEDLES = [*CARDHOLDER.values(), "13987654321", "44030119850317296", "mingzhu.ouyang", "科技园南路88号", "欧阳"]


def account(number: str, **customer) -> dict:
    now = timezone.now()
    return {"account_number": number, "currency": "CNY",
            "customer": {"external_id": f"C-{number}", **CARDHOLDER, **customer},
            "principal_overdue": "9000.00", "interest_overdue": "80.00", "fees_overdue": "20.00",
            "penalty_overdue": "10.00", "overdue_since": (now.date() - dt.timedelta(days=7)).isoformat(),
            "as_of": now.isoformat()}


@pytest.mark.django_db(transaction=True)
def test_no_log_line_carries_a_cardholders_personal_data(client, agent, supervisor, team, worker):
    _client, token = api_client_create(name="core-banking", scopes=["ingest", "read"])
    core = APIClient()
    core.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    with Captured() as captured:
        response = core.post("/api/v1/accounts/batch", {"items": [account("6222000000007001")]}, format="json")
        assert response.status_code == 200, response.content
        case_id = response.json()["results"][0]["case_id"]
        Case.objects.filter(pk=case_id).update(assigned_team=team)
        # A malformed item comes back with field paths, and its values stay out of the log.
        bad = core.post("/api/v1/accounts/batch", {"items": [account("6222000000007002", email="not-an-email "
                                                                     + CARDHOLDER["email"], phone="x" * 40)]},
                        format="json")
        assert bad.status_code in (200, 400)
        paid = core.post("/api/v1/payments/batch", {"items": [{
            "transaction_id": "TX-PII-1", "account_number": "6222000000007001", "amount": "100.00",
            "currency": "CNY", "paid_at": timezone.now().isoformat()}]}, format="json")
        assert paid.status_code == 200, paid.content
        assert core.get(f"/api/v1/cases/{case_id}/").status_code == 200

        escalation_pass.delay()
        assert wait_for(lambda: ScheduledContact.objects.filter(case_id=case_id).exists())
        for contact in ScheduledContact.objects.filter(case_id=case_id):
            contact_deliver(contact_id=contact.pk, at=contact.due_at)

        client.force_login(agent)
        assert client.get(f"/cases/{case_id}/?q={CARDHOLDER['phone']}").status_code == 200
        for field in ("national_id", "phone", "email", "address"):
            revealed = client.post(f"/cases/{case_id}/reveal/", {"field": field, "reason": "Cardholder called in"})
            assert revealed.status_code == 200
        assert client.get(f"/cases/?search={CARDHOLDER['name']}").status_code == 200
        assert client.get(f"/no-such-page/{CARDHOLDER['national_id']}").status_code == 404
        client.force_login(supervisor)
        assert client.get(f"/cases/{case_id}/").status_code == 200

    lines = captured.lines()
    assert len(lines) > 10 and {"portal.request", "django.request", "portal.task"} <= {
        line["logger"] for line in lines}
    text = json.dumps(lines, ensure_ascii=False) + captured.text()
    for needle in NEEDLES:
        assert needle not in text, needle
