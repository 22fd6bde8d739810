import datetime as dt

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditRecord

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 5, 4, 1, 0, tzinfo=dt.UTC)


def current_code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(client, username):
    return client.post(reverse("login"), {"username": username, "password": "correct-horse-battery"})


def enrol(client, user):
    sign_in(client, user.username)
    client.get(reverse("two-factor-setup"))
    device = TOTPDevice.objects.get(user=user)
    response = client.post(reverse("two-factor-setup"), {"code": current_code(device)})
    assert response.context["enabled"]
    return device


def test_a_supervisor_turns_on_two_factor_with_a_code_from_the_app(client, supervisor, time_machine):
    time_machine.move_to(START, tick=False)
    sign_in(client, "supervisor")
    page = client.get(reverse("two-factor-setup"))
    assert page.context["qr"].startswith("data:image/svg+xml")
    device = TOTPDevice.objects.get(user=supervisor, confirmed=False)

    wrong_code = "000000" if current_code(device) != "000000" else "111111"
    wrong = client.post(reverse("two-factor-setup"), {"code": wrong_code})
    assert 'id="id_code_error"' in wrong.content.decode()
    time_machine.shift(dt.timedelta(seconds=31))  # past the throttle after a wrong code, and a fresh code
    client.post(reverse("two-factor-setup"), {"code": current_code(device)})

    device.refresh_from_db()
    assert device.confirmed
    assert AuditRecord.objects.filter(action="two_factor.enabled", actor=supervisor).exists()


def test_once_on_a_new_session_must_pass_a_code_before_any_page(client, supervisor, time_machine):
    time_machine.move_to(START, tick=False)
    device = enrol(client, supervisor)
    client.post(reverse("logout"))
    time_machine.shift(dt.timedelta(seconds=31))  # a code is good once: wait for the next one

    sign_in(client, "supervisor")
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("two-factor-verify"))

    refused = client.post(reverse("two-factor-verify"), {"code": "12345a", "next": "/cases/"})
    assert refused.status_code == 200
    assert client.get(reverse("home")).status_code == 302
    time_machine.shift(dt.timedelta(seconds=2))  # past the throttle that follows a wrong code
    passed = client.post(reverse("two-factor-verify"), {"code": current_code(device), "next": "/cases/"})
    assert passed.status_code == 302 and passed["Location"] == "/cases/"
    assert client.get(reverse("cases:list")).status_code == 200


def test_agents_are_not_offered_two_factor(client, agent):
    sign_in(client, "agent")
    assert client.get(reverse("two-factor-setup")).status_code == 403


def test_without_an_authenticator_no_code_is_asked(client, manager):
    sign_in(client, "manager")
    assert client.get(reverse("cases:list")).status_code == 200
