import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from api.models import ApiClient
from tests.api.conftest import account_item, bearer, post_accounts

pytestmark = pytest.mark.django_db


def create(name: str, scopes: str) -> str:
    out = io.StringIO()
    call_command("create_api_client", name, "--scopes", scopes, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_create_api_client_prints_the_token_alone_on_its_last_line_and_stores_only_its_hash():
    token = create("core-banking", "ingest,read")

    client = ApiClient.objects.get(name="core-banking")
    assert client.scopes == ["ingest", "read"]
    assert token not in (client.token_hash, client.token_prefix) and len(token) > 40
    assert bearer(token).get("/api/v1/events/").status_code == 200


def test_the_token_keyword_is_accepted_as_well_as_bearer():
    token = create("core-banking", "read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/events/").status_code == 200


def test_a_revoked_token_is_refused_with_401():
    token = create("core-banking", "read")
    call_command("revoke_api_client", "core-banking", stdout=io.StringIO())

    response = bearer(token).get("/api/v1/events/")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"


@pytest.mark.parametrize("header", [None, "Bearer not-a-token", "Bearer"])
def test_no_or_a_bad_token_is_refused_with_401(header):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.post("/api/v1/accounts/batch", {"items": [account_item()]}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert set(response.json()["errors"][0]) == {"field", "code", "message"}


def test_a_client_without_the_scope_is_refused_with_403():
    reader = bearer(create("reader", "read"))
    pusher = bearer(create("pusher", "ingest"))

    assert post_accounts(reader, account_item()).status_code == 403
    assert pusher.get("/api/v1/cases/").status_code == 403
    assert pusher.get("/api/v1/events/").status_code == 403
    assert post_accounts(pusher, account_item()).status_code == 200


def test_an_unknown_scope_is_refused_by_the_command():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Scopes"):
        create("core-banking", "ingest,admin")
    assert not ApiClient.objects.exists()


def test_the_admin_lists_clients_without_their_token_hash(admin_user, client):
    create("core-banking", "ingest")
    client.force_login(admin_user)
    response = client.get("/admin/api/apiclient/")
    assert response.status_code == 200
    assert b"core-banking" in response.content
    assert ApiClient.objects.get().token_hash.encode() not in response.content


def test_an_unknown_api_address_answers_404_in_the_error_shape():
    for response in (APIClient().get("/api/v1/nothing-here"),
                     APIClient(enforce_csrf_checks=True).post("/api/v1/accounts/batch/", {}, format="json")):
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"
