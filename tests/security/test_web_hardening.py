import logging

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in policy


def test_no_template_carries_an_inline_script_or_event_handler():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for template in root.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+=", text):
            offenders.append(template.name)
    assert offenders == []


def test_forms_are_csrf_protected(agent, team):
    from django.test import Client

    case = CaseFactory(assigned_team=team)
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(reverse("cases:note-create", args=[case.pk]), {"body": "no token"})
    assert response.status_code == 403


def test_an_oversized_request_body_is_refused(client, agent, team, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    case = CaseFactory(assigned_team=team)
    client.force_login(agent)
    response = client.post(reverse("cases:note-create", args=[case.pk]), {"body": "x" * 5000})
    assert response.status_code == 400


@override_settings(DEBUG=False)
def test_a_server_error_shows_no_stack_trace(client, agent, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("cases.overview.case_counts_by_stage", explode)
    client.raise_request_exception = False
    client.force_login(agent)
    response = client.get(reverse("home"))
    assert response.status_code == 500
    assert b"secret internals" not in response.content and b"Traceback" not in response.content


def test_the_session_cookie_is_httponly_and_samesite(client, agent):
    response = client.post(reverse("login"), {"username": "agent", "password": "correct-horse-battery"})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_a_full_request_cycle_leaves_no_personal_data_in_the_logs(client, agent, team, caplog):
    case = CaseFactory(assigned_team=team)
    customer = case.account.customer
    client.force_login(agent)
    with caplog.at_level(logging.DEBUG):
        client.get(reverse("cases:detail", args=[case.pk]))
        client.post(reverse("cases:reveal", args=[case.pk]), {"field": "national_id", "reason": "verify identity"})
        client.post(reverse("cases:reveal", args=[case.pk]), {"field": "phone", "reason": "call back number"})
        client.post(reverse("cases:note-create", args=[case.pk]), {"body": "spoke to cardholder"})
        client.get(reverse("cases:list"))
    logged = caplog.text + " ".join(str(record.args) for record in caplog.records)
    for secret in (customer.national_id, customer.phone, case.account.account_number):
        assert secret not in logged
