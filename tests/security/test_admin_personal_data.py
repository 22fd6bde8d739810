"""Finding: the Django admin showed a cardholder's national id, phones, email and address in clear, as
editable fields, with no reason and no audit record. Every admin page now shows personal data masked and
read-only, and no admin search takes a personal identifier in its query string."""

import datetime as dt

import pytest
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse

from cases.models import Account, Customer
from contacts.models import ContactAttempt, ScheduledContact
from core.crypto import EncryptedJSONField, EncryptedTextField
from events.models import Event
from tests.factories import AccountFactory, CaseFactory, CustomerFactory, PaymentFactory
from tests.visits.conftest import assigned_visit

pytestmark = pytest.mark.django_db

NATIONAL_ID = "110105199003071234"
PHONE = "13800138000"
OTHER_PHONE = "13900139001"
EMAIL = "li.na@example.cn"
ADDRESS = "北京市朝阳区建国路88号"
CARD = "6222020200112233445"
CALLED = "13700137002"
SECRETS = [NATIONAL_ID, PHONE, OTHER_PHONE, EMAIL, ADDRESS, CARD, CALLED]
# Personal data stored in plain columns (the encrypted ones are found by their field class).
PLAIN_PERSONAL = {(Customer, "name"), (Account, "account_number"), (Event, "account_number"),
                  (ContactAttempt, "number")}


@pytest.fixture
def cardholder_everywhere(team, agent, field_agent):
    customer = CustomerFactory(national_id=NATIONAL_ID, phone=PHONE, other_phones=[OTHER_PHONE], email=EMAIL,
                               address=ADDRESS)
    case = CaseFactory(account=AccountFactory(account_number=CARD, customer=customer), assigned_team=team)
    PaymentFactory(account=case.account, case=case)
    ContactAttempt.objects.create(case=case, channel="phone", actor=agent, actor_label="agent",
                                  occurred_at=dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC), number=CALLED,
                                  result="no_answer")
    ScheduledContact.objects.create(case=case, channel="letter", due_at=dt.datetime(2026, 6, 1, 3, 0, tzinfo=dt.UTC),
                                    idempotency_key="admin:letter", status="sent", sent_to=ADDRESS,
                                    rendered_text=f"{ADDRESS}\n---\nDear cardholder, call {PHONE}.")
    Event.objects.create(type="case.opened", case=case, account_number=CARD, payload={})
    assigned_visit(case, field_agent, address=ADDRESS)
    return customer


def admin_urls(model_admin) -> list[str]:
    opts = model_admin.model._meta
    urls = [reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")]
    obj = model_admin.model._default_manager.order_by("pk").first()
    if obj is not None:
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    return urls


def test_no_admin_page_shows_personal_data_in_clear(client, admin_user, cardholder_everywhere):
    client.force_login(admin_user)
    for model_admin in admin.site._registry.values():
        for url in admin_urls(model_admin):
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            shown = [secret for secret in SECRETS if secret in html]
            assert shown == [], f"{url} shows {shown}"


def test_the_cardholder_page_shows_each_field_masked_and_nothing_editable(client, admin_user,
                                                                          cardholder_everywhere):
    client.force_login(admin_user)
    url = reverse("admin:cases_customer_change", args=[cardholder_everywhere.pk])

    html = client.get(url).content.decode()

    assert "••••••••••••••1234" in html and "•••••••8000" in html and "•••••••9001" in html
    for name in ("national_id", "phone", "other_phones", "email", "address", "name"):
        assert f'name="{name}"' not in html
    case = cardholder_everywhere.accounts.get().cases.get()
    assert f'href="{reverse("cases:detail", args=[case.pk])}"' in html  # where a field is revealed, audited
    assert client.post(url, {"national_id": "0", "phone": "0"}).status_code == 403
    cardholder_everywhere.refresh_from_db()
    assert (cardholder_everywhere.national_id, cardholder_everywhere.phone) == (NATIONAL_ID, PHONE)


def test_no_admin_searches_personal_data():
    """A term typed into the admin's search box travels in the query string into access logs."""
    offending = []
    for model, model_admin in admin.site._registry.items():
        for path in model_admin.search_fields:
            current, field = model, None
            for part in path.lstrip("=^@").split("__"):
                try:
                    field = current._meta.get_field(part)
                except FieldDoesNotExist:
                    field = None
                    break
                owner, current = current, field.related_model or current
            if field is not None and (isinstance(field, EncryptedTextField | EncryptedJSONField)
                                      or (owner, field.name) in PLAIN_PERSONAL):
                offending.append(f"{model._meta.label}: {path}")
    assert offending == []


def test_the_cardholder_admin_finds_a_cardholder_by_the_core_system_id(client, admin_user, cardholder_everywhere):
    client.force_login(admin_user)
    response = client.get(reverse("admin:cases_customer_changelist"), {"q": cardholder_everywhere.external_id})
    assert list(response.context["cl"].result_list) == [cardholder_everywhere]
