from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse
from kombu import Connection

from collections_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_database_and_broker_answer(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "vendor": "postgresql"}
    assert body["broker"]["ok"] is True


def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    # Nothing listens on port 1: the broker is unreachable.
    monkeypatch.setattr(celery_app, "connection_for_write", lambda: Connection("redis://127.0.0.1:1/0"))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["broker"]["ok"] is False and body["database"]["ok"] is True


def test_healthz_is_503_when_the_database_is_down(client):
    with mock.patch("core.health.connection.cursor", side_effect=OperationalError("down")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "error": "OperationalError"}


def test_healthz_needs_no_login_and_is_never_cached(client):
    response = client.get(reverse("healthz"))
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
