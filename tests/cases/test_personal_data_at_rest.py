import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from cases.models import Customer
from core.crypto import pii_hash
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def raw_row(pk: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id, phone, other_phones, email, address FROM cases_customer WHERE id = %s",
                       [pk])
        return dict(zip(["national_id", "phone", "other_phones", "email", "address"], cursor.fetchone(), strict=True))


def test_the_raw_columns_hold_no_plain_national_id_phone_email_or_address():
    customer = CustomerFactory(national_id="110105199003071234", phone="13912345678", other_phones=["13700001111"],
                               email="wang.fang@example.cn", address="北京市朝阳区建国路1号")
    raw = raw_row(customer.pk)
    for plain in ("110105199003071234", "13912345678", "13700001111", "wang.fang", "建国路"):
        assert all(plain not in (value or "") for value in raw.values())
    reloaded = Customer.objects.get(pk=customer.pk)
    assert (reloaded.national_id, reloaded.phone, reloaded.other_phones, reloaded.address) == (
        "110105199003071234", "13912345678", ["13700001111"], "北京市朝阳区建国路1号")


def test_exact_lookups_go_through_the_keyed_hash():
    customer = CustomerFactory(national_id="11010519900307123x", phone="139 1234 5678")
    assert Customer.objects.get(national_id_hash=pii_hash("11010519900307123X")) == customer
    assert Customer.objects.get(phone_hash=pii_hash("13912345678")) == customer


def test_rotating_the_key_re_encrypts_everything_and_keeps_it_readable(settings):
    customer = CustomerFactory(national_id="110105199003071234", phone="13912345678")
    before = raw_row(customer.pk)
    new_key = Fernet.generate_key().decode()
    settings.PII_ENCRYPTION_KEYS = [new_key, *settings.PII_ENCRYPTION_KEYS]

    call_command("rotate_pii_key")

    after = raw_row(customer.pk)
    assert after["national_id"] != before["national_id"]
    Fernet(new_key.encode()).decrypt(after["national_id"].encode())  # readable with the new key alone
    settings.PII_ENCRYPTION_KEYS = [new_key]
    assert Customer.objects.get(pk=customer.pk).national_id == "110105199003071234"


def test_api_ingest_stores_personal_data_encrypted(client):
    from api.services import api_client_create
    from tests.api.conftest import account_item, bearer

    _client, token = api_client_create(name="core", scopes=["ingest"])
    item = account_item()
    response = bearer(token).post("/api/v1/accounts/batch", {"items": [item]}, format="json")
    assert response.status_code == 200, response.content
    customer = Customer.objects.get(external_id=item["customer"]["external_id"])
    raw = raw_row(customer.pk)
    assert item["customer"]["national_id"] not in raw["national_id"] and item["customer"]["phone"] not in raw["phone"]
    assert customer.national_id == item["customer"]["national_id"]
    assert customer.national_id_hash == pii_hash(item["customer"]["national_id"])
