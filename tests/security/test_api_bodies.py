"""Findings: JSON nested about 5,000 deep raised RecursionError (500); a body over REQUEST_MAX_BYTES
answered a 400 HTML page; a key given twice was silently read as its last value. The API answers each in
its JSON error shape."""

import json

import pytest

from api.parsers import MAX_DEPTH
from tests.api.conftest import account_item, core_system  # noqa: F401 - the core system's API client

pytestmark = pytest.mark.django_db
BATCH = "/api/v1/accounts/batch"


def post_raw(client, body: bytes, path: str = BATCH):
    return client.generic("POST", path, body, content_type="application/json")


def only_error(response) -> dict:
    assert response["Content-Type"] == "application/json"
    [error] = response.json()["errors"]
    return error


@pytest.mark.parametrize("depth", [5000, 1100, MAX_DEPTH + 1])
@pytest.mark.parametrize("bracket", ["[]", "{}"])
def test_json_nested_too_deep_is_a_400_in_the_error_shape(core_system, depth, bracket):  # noqa: F811
    inner = "[" * depth + "]" * depth if bracket == "[]" else '{"a":' * depth + "1" + "}" * depth
    response = post_raw(core_system, f'{{"items": [{inner}]}}'.encode())
    assert response.status_code == 400
    assert only_error(response)["code"] == "too_deep"


@pytest.mark.parametrize("path", [BATCH, "/api/v1/payments/batch"])
def test_the_depth_limit_holds_on_the_slower_parser_too(core_system, path):  # noqa: F811
    # A fraction sends the body through the standard parser, which reads numbers as Decimals.
    response = post_raw(core_system, ('{"items": [' + "[" * 3000 + "1.5" + "]" * 3000 + "]}").encode(), path)
    assert response.status_code == 400 and only_error(response)["code"] == "too_deep"


def test_a_body_within_the_depth_limit_is_read(core_system):  # noqa: F811
    response = post_raw(core_system, json.dumps({"items": [account_item()]}).encode())
    assert response.status_code == 200 and response.json()["results"][0]["result"] == "created"


@pytest.mark.parametrize("size", [5 * 1024 * 1024 + 1, 6 * 1024 * 1024, 4 * 1024 * 1024 + 100])
def test_a_body_too_large_is_a_413_in_the_error_shape(core_system, size):  # noqa: F811
    body = b'{"items": ["' + b"x" * size + b'"]}'
    response = post_raw(core_system, body)
    assert response.status_code == 413
    assert only_error(response)["code"] == "body_too_large"


@pytest.mark.parametrize("body, key", [
    ('{"items": [], "items": [{}]}', "items"),
    ('{"items": [{"account_number": "6222000000000001", "account_number": "6222000000000002"}]}', "account_number"),
    ('{"items": [{"customer": {"name": "a", "name": "b"}}]}', "name"),
    ('{"items": [{"amount": 1.5, "amount": 2.5}]}', "amount"),
])
def test_a_key_given_twice_is_refused_naming_the_key(core_system, body, key):  # noqa: F811
    response = post_raw(core_system, body.encode())
    assert response.status_code == 400
    error = only_error(response)
    assert error["code"] == "duplicate_key" and f"'{key}'" in error["message"]


def test_a_value_that_looks_like_a_key_is_not_taken_for_a_duplicate(core_system):  # noqa: F811
    item = account_item()
    item["customer"]["name"] = 'a": "b'
    response = post_raw(core_system, json.dumps({"items": [item]}).encode())
    assert response.status_code == 200 and response.json()["results"][0]["result"] == "created"


@pytest.mark.parametrize("field, value", [
    ("as_of", "9999-12-31T23:00:00-05:00"), ("as_of", "0001-01-01T00:00:00+05:00"),
    ("as_of", "9999-12-31T23:59:59+00:00"), ("overdue_since", "0001-01-01"), ("overdue_since", "9999-12-31"),
])
def test_an_account_dated_at_the_edge_of_the_calendar_is_answered_not_a_server_error(core_system, field, value):  # noqa: F811
    item = account_item() | {field: value}
    response = post_raw(core_system, json.dumps({"items": [item]}).encode())
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["result"] in {"created", "rejected"}


@pytest.mark.parametrize("value", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00",
                                   "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00"])
def test_a_payment_dated_at_the_edge_of_the_calendar_is_answered_not_a_server_error(core_system, value):  # noqa: F811
    from tests.api.conftest import payment_item

    post_raw(core_system, json.dumps({"items": [account_item()]}).encode())
    response = post_raw(core_system, json.dumps({"items": [payment_item("TX-EDGE", paid_at=None) | {"paid_at": value}]})
                        .encode(), "/api/v1/payments/batch")
    assert response.status_code == 200
