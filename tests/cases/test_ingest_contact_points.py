"""The core system's contact points in account snapshots: replaced as a list, encrypted, never deleted."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.contact_points import number_mark_wrong
from cases.ingest import ContactData, Result, accounts_ingest
from cases.models import ContactPoint, ContactPointSource, Customer
from core.crypto import pii_hash
from tests.cases.test_ingest import snapshot

pytestmark = pytest.mark.django_db

SISTER = ContactData(kind="emergency", name="李娜", relationship="sister", phone="13700001111")
EMPLOYER = ContactData(kind="employer", name="华信公司", phone="01065550000", address="北京市海淀区")


def ingest(number, hours_ago, contacts):
    item = snapshot(number, timezone.now() - dt.timedelta(hours=hours_ago))
    item.contacts = contacts
    return accounts_ingest(snapshots=[item])


def points(number="6222000000000001"):
    return ContactPoint.objects.filter(customer__external_id=f"C{number}").order_by("id")


def test_a_snapshot_stores_its_contact_points_encrypted_with_keyed_hashes():
    [outcome] = ingest("6222000000000001", 3, [SISTER, EMPLOYER])
    assert outcome.result == Result.CREATED
    sister, employer = points()
    assert (sister.kind, sister.name, sister.relationship, sister.phone, sister.source) == (
        "emergency", "李娜", "sister", "13700001111", ContactPointSource.CORE)
    assert employer.address == "北京市海淀区" and sister.phone_hash == pii_hash("13700001111")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone, address FROM cases_contactpoint WHERE id = ANY(%s)",
                       [[sister.pk, employer.pk]])
        stored = " ".join(" ".join(row) for row in cursor.fetchall())
    assert "13700001111" not in stored and "李娜" not in stored and "海淀" not in stored


def test_a_later_snapshot_replaces_the_core_list_retiring_what_it_leaves_out():
    ingest("6222000000000001", 3, [SISTER, EMPLOYER])
    sister, employer = points()
    ingest("6222000000000001", 2, [SISTER])
    sister.refresh_from_db(), employer.refresh_from_db()
    assert sister.retired_at is None and employer.retired_at is not None  # kept, not deleted
    assert points().count() == 2


def test_staff_points_stay_and_a_wrong_mark_survives_the_next_snapshot(agent):
    ingest("6222000000000001", 3, [SISTER])
    customer = Customer.objects.get(external_id="C6222000000000001")
    staff_point = ContactPoint.objects.create(customer=customer, kind="work", phone="01088880000",
                                              source=ContactPointSource.STAFF, source_note="skip-tracing")
    number_mark_wrong(customer=customer, number="13700001111", actor=agent, reason="A stranger answered.")
    ingest("6222000000000001", 2, [SISTER, ContactData(kind="home", phone="01099990000")])
    current = {point.phone: point for point in points().filter(retired_at__isnull=True)}
    assert set(current) == {"13700001111", "01088880000", "01099990000"}  # no duplicate of the sister
    assert current["13700001111"].wrong_at is not None and current["01088880000"].pk == staff_point.pk


def test_a_snapshot_without_contacts_leaves_the_points_as_they_are():
    ingest("6222000000000001", 3, [SISTER])
    ingest("6222000000000001", 2, None)
    assert [point.retired_at for point in points()] == [None]
    ingest("6222000000000001", 1, [])
    assert points().get().retired_at is not None  # an empty list is a list: nothing left on file


def test_a_contact_point_without_number_or_address_is_refused_with_its_path():
    [outcome] = ingest("6222000000000001", 3, [SISTER, ContactData(kind="home", name="家")])
    assert outcome.result == Result.REJECTED
    assert [(e.field, e.code) for e in outcome.errors] == [("contacts[1].phone", "phone_or_address_required")]
    assert not points().exists()


def test_contact_points_cost_the_same_number_of_queries_whatever_the_batch_size():
    def queries(size: int, prefix: str) -> int:
        numbers = [f"{prefix}{n:06d}" for n in range(size)]
        now = timezone.now()
        first = [snapshot(n, now - dt.timedelta(hours=2)) for n in numbers]
        for item in first:
            item.contacts = [SISTER, EMPLOYER]
        accounts_ingest(snapshots=first)
        later = [snapshot(n, now - dt.timedelta(hours=1), "50.00") for n in numbers]
        for item in later:
            item.contacts = [SISTER, ContactData(kind="home", phone="01099990000")]
        with CaptureQueriesContext(connection) as captured:
            accounts_ingest(snapshots=later)
        return len(captured.captured_queries)

    assert queries(3, "71") == queries(40, "72")
