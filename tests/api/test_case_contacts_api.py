import datetime as dt

import pytest

from api.services import api_client_create
from cases.lifecycle import Stage
from contacts.models import Channel, ScheduledContact
from tests.api.conftest import bearer
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_a_read_client_gets_the_contacts_and_the_case_shows_its_next_action(reader):
    case = CaseFactory(stage=Stage.CONTACT)
    due = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    ScheduledContact.objects.create(case=case, channel=Channel.SMS, due_at=due, idempotency_key="t:1", rule="t1")

    body = reader.get(f"/api/v1/cases/{case.pk}/contacts/").json()
    assert [(c["channel"], c["rule"]) for c in body["results"]] == [("sms", "t1")] and body["attempts"] == []
    detail = reader.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["next_action"]["kind"] == "sms"
    assert dt.datetime.fromisoformat(detail["next_action"]["due_at"]) == due


def test_the_contacts_need_the_read_scope():
    case = CaseFactory()
    _client, token = api_client_create(name="ingest-only", scopes=["ingest"])
    assert bearer(token).get(f"/api/v1/cases/{case.pk}/contacts/").status_code == 403
    assert bearer("not-a-token").get(f"/api/v1/cases/{case.pk}/contacts/").status_code == 401


def test_an_unknown_case_answers_a_json_404(reader):
    response = reader.get("/api/v1/cases/999999/contacts/")
    assert response.status_code == 404 and response.json()["errors"][0]["code"]
