import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from audit.models import AuditRecord
from cases.lifecycle import Stage
from cases.models import Case, Customer
from core.bulk import bulk_insert, bulk_update_rows, pg_array
from events.models import Event, EventType
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=dt.UTC)


def customer_row(external_id: str, **changes) -> dict:
    return {"external_id": external_id, "name": "王芳", "national_id": "310101199001011234", "phone": "+8613800138000",
            "national_id_hash": "", "phone_hash": "", "other_phones": ["13700001111"], "email": "", "address": "",
            "region": "上海", "timezone": "Asia/Shanghai", "language": "zh-hans", "created_at": AT, "updated_at": AT,
            **changes}


def test_inserted_rows_read_back_exactly_as_given():
    case = CaseFactory()
    payload = {"amount": "12.50", "nested": {"list": [1, None, "二"]}, "none": None}
    [(event_id,)] = bulk_insert(model=Event, returning=["id"], rows=[
        {"type": EventType.CASE_OPENED, "case_id": case.pk, "account_number": "6222 0001", "payload": payload,
         "occurred_at": AT}])

    event = Event.objects.get(pk=event_id)
    assert (event.type, event.case_id, event.account_number, event.payload, event.occurred_at) == (
        EventType.CASE_OPENED, case.pk, "6222 0001", payload, AT)


def test_rows_are_inserted_in_the_order_given_and_existing_ones_are_skipped():
    Customer.objects.create(**{**customer_row("C-2"), "other_phones": []})
    found = bulk_insert(model=Customer, conflict=["external_id"], returning=["external_id", "id"],
                        rows=[customer_row("C-3"), customer_row("C-1"), customer_row("C-2")])

    assert [external_id for external_id, _pk in found] == ["C-3", "C-1"]
    assert found[0][1] < found[1][1]


def test_personal_data_goes_in_encrypted_and_comes_back_plain():
    [(pk,)] = bulk_insert(model=Customer, returning=["id"], rows=[customer_row("C-1", address="北京市朝阳区")])

    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id, other_phones, address FROM cases_customer WHERE id = %s", [pk])
        raw = cursor.fetchone()
    assert all("3101011990" not in value and "1370000" not in value and "朝阳" not in value for value in raw)
    customer = Customer.objects.get(pk=pk)
    assert (customer.national_id, customer.other_phones, customer.address, customer.email) == (
        "310101199001011234", ["13700001111"], "北京市朝阳区", "")


def test_a_field_without_a_json_form_here_still_goes_in():
    # An IP address has no text form in the JSON document; such rows go in a VALUES list.
    changes = {"kind": "dispute", "amount": "12.50"}
    [(pk,)] = bulk_insert(model=AuditRecord, returning=["id"], rows=[
        {"at": AT, "actor_label": "system", "action": "case.hold_placed", "object_type": "case", "object_id": "7",
         "case_id": 7, "changes": changes, "reason": "", "ip_address": "192.0.2.1"}])

    record = AuditRecord.objects.get(pk=pk)
    assert (record.at, record.changes, record.ip_address) == (AT, changes, "192.0.2.1")


def test_updated_rows_read_back_exactly_as_given():
    first, second = CaseFactory(), CaseFactory()
    since = dt.date(2026, 10, 1)

    updated = bulk_update_rows(model=Case, fields=["principal_overdue", "overdue_since", "updated_at"], rows=[
        {"id": second.pk, "principal_overdue": Decimal("1234567890.12"), "overdue_since": since, "updated_at": AT},
        {"id": first.pk, "principal_overdue": Decimal("0.00"), "overdue_since": since, "updated_at": AT}])

    assert updated == 2
    assert list(Case.objects.order_by("pk").values_list("principal_overdue", "overdue_since", "updated_at",
                                                        "stage")) == [
        (Decimal("0.00"), since, AT, Stage.CONFIRM), (Decimal("1234567890.12"), since, AT, Stage.CONFIRM)]


def test_updating_personal_data_encrypts_it():
    [(pk,)] = bulk_insert(model=Customer, returning=["id"], rows=[customer_row("C-1")])

    bulk_update_rows(model=Customer, rows=[{"id": pk, "phone": "+8613900000000", "other_phones": []}],
                     fields=["phone", "other_phones"])

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM cases_customer WHERE id = %s", [pk])
        assert "13900000000" not in cursor.fetchone()[0]
    customer = Customer.objects.get(pk=pk)
    assert (customer.phone, customer.other_phones) == ("+8613900000000", [])


def test_whole_numbers_are_written_bare():
    assert pg_array([3, 1, 2]) == "{3,1,2}"


def test_text_is_quoted_and_its_quotes_and_backslashes_escaped():
    assert pg_array(['say "hi"', "a\\b", None]) == '{"say \\"hi\\"","a\\\\b",NULL}'


def test_postgresql_reads_back_every_value_as_it_was_written():
    moment = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    texts = ['{"rule": "hours", "reason": "Outside 08:00–21:00"}', 'back\\slash "quoted", comma', "", None, "客户"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[], %s::timestamptz[], %s::numeric[], %s::bigint[]",
                       [pg_array(texts), pg_array([moment, None]), pg_array([Decimal("12.30")]), pg_array([7, 8])])
        got_texts, got_moments, got_amounts, got_ids = cursor.fetchone()
    assert got_texts == texts
    assert got_moments == [moment, None]
    assert got_amounts == [Decimal("12.30")] and got_ids == [7, 8]
