"""The contact record's migration keeps what earlier versions stored: an override given at logging time
becomes the exception it was, used by its attempt; numbers stored in the clear are encrypted with their
keyed hash; every attempt learns its cardholder."""

import datetime as dt

import pytest
from django.db import connection

from core.crypto import pii_hash
from tests.factories import CaseFactory
from tests.migrations import latest_schema_after, migrate_to  # noqa: F401 - the fixture, by name

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("latest_schema_after")]

BEFORE = [("contacts", "0004_leaner_contact_indexes"), ("cases", "0009_contact_points")]
AFTER = [("contacts", "0005_record_first")]


def test_overrides_become_used_exceptions_and_numbers_are_encrypted(agent, supervisor):
    case = CaseFactory()
    old = migrate_to(BEFORE)
    attempt = old.get_model("contacts", "ContactAttempt")
    night = dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC)
    plain = attempt.objects.create(case_id=case.pk, channel="call", actor_id=agent.pk, actor_label="agent",
                                   at=night - dt.timedelta(hours=5), number="13800000000", result="no_answer",
                                   verdict={"allowed": True})
    overridden = attempt.objects.create(case_id=case.pk, channel="call", actor_id=supervisor.pk,
                                        actor_label="supervisor", at=night, number="", result="right_party",
                                        verdict={"allowed": False, "failed": [{"rule": "hours"}]},
                                        overridden_by_id=supervisor.pk, override_reason="Asked to be called late.")

    new = migrate_to(AFTER)
    attempt = new.get_model("contacts", "ContactAttempt")
    plain, overridden = attempt.objects.get(pk=plain.pk), attempt.objects.get(pk=overridden.pk)
    assert plain.customer_id == overridden.customer_id == case.account.customer_id
    assert plain.occurred_at == night - dt.timedelta(hours=5) and plain.exception_id is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT number, number_hash FROM contacts_contactattempt WHERE id = %s", [plain.pk])
        stored, stored_hash = cursor.fetchone()
    assert "13800000000" not in stored and stored_hash == pii_hash("13800000000")
    exception = new.get_model("contacts", "ContactException").objects.get(pk=overridden.exception_id)
    assert (exception.reason, exception.granted_by_id, exception.granted_by_label) == (
        "Asked to be called late.", supervisor.pk, "supervisor")
    assert exception.single_use and exception.used_at == night and exception.valid_from == night
    assert overridden.breached_rules == []
