from unittest import mock

import pytest
from django.db import OperationalError

from cases.models import Payment
from tests.api.conftest import account_item, payment_item, post_accounts


def post_payments(client, *items):
    return client.post("/api/v1/payments/batch", {"items": list(items)}, format="json")


@pytest.mark.django_db
def test_a_lost_database_connection_answers_503_and_the_same_batch_can_be_retried(core_system):
    assert post_accounts(core_system, account_item()).status_code == 200
    lost = OperationalError("server closed the connection unexpectedly")

    with mock.patch("api.views.ingest.payments_ingest", side_effect=lost):
        response = post_payments(core_system, payment_item("TX-503"))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["errors"][0]["code"] == "database_unavailable"
    assert not Payment.objects.filter(transaction_id="TX-503").exists()

    assert post_payments(core_system, payment_item("TX-503")).status_code == 200
    assert post_payments(core_system, payment_item("TX-503")).status_code == 200
    assert Payment.objects.filter(transaction_id="TX-503").count() == 1
