import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, agent, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "agent", "wrong-password")

    response = sign_in(client, "agent", "correct-horse-battery")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_correct_password_before_the_limit_signs_in_and_resets_the_count(client, agent, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "agent", "wrong-password")
    response = sign_in(client, "agent", "correct-horse-battery")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)
