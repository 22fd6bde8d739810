"""The API contract, exactly as served: the schema declares what the server enforces (closed envelopes of
1 to 1,000 items, items answered one by one), empty filter values are refused, and money given as a JSON
number is refused asking for a decimal string. tests/api/test_schema.py runs schemathesis with every check
over every operation against this schema."""

import json

import pytest

from tests.api.conftest import account_item, core_system, payment_item  # noqa: F401 - the core system's client
from tests.api.test_schema import served_schema

pytestmark = pytest.mark.django_db
BATCHES = {"/api/v1/accounts/batch": ("AccountsBatchInput", "AccountItem", account_item),
           "/api/v1/payments/batch": ("PaymentsBatchInput", "PaymentItem", lambda: payment_item("TX-C1"))}


def errors(response) -> list[dict]:
    assert response["Content-Type"] == "application/json"
    return response.json()["errors"]


@pytest.mark.parametrize("path", BATCHES)
def test_the_schema_closes_the_envelope_and_bounds_its_items(path):
    envelope_name, item_name, _item = BATCHES[path]
    schemas = served_schema()["components"]["schemas"]
    envelope = schemas[envelope_name]
    assert envelope["additionalProperties"] is False and envelope["required"] == ["items"]
    items = envelope["properties"]["items"]
    assert (items["minItems"], items["maxItems"]) == (1, 1000)
    # Items are the documented format or anything else, answered one by one: never required up front.
    assert {"$ref": f"#/components/schemas/{item_name}"} in items["items"]["anyOf"]
    assert "rejected" in items["items"]["description"]
    assert schemas[item_name]["additionalProperties"] is False


@pytest.mark.parametrize("path", BATCHES)
@pytest.mark.parametrize("body, field, code", [
    ({"items": []}, "items", "empty"),
    ({"items": [{}], "extra": 1}, "extra", "unknown_field"),
    ({}, "items", "required"),
    ({"items": {}}, "items", "not_a_list"),
    ({"items": [{}] * 1001}, "items", "too_many_items"),
])
def test_what_the_schema_refuses_the_server_refuses_whole(core_system, path, body, field, code):  # noqa: F811
    response = core_system.post(path, body, format="json")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in errors(response)] == [(field, code)]


@pytest.mark.parametrize("path", BATCHES)
@pytest.mark.parametrize("item", [{}, 7, "text", None, [1]])
def test_an_item_outside_its_format_is_answered_in_its_result(core_system, path, item):  # noqa: F811
    response = core_system.post(path, {"items": [item, BATCHES[path][2]()]}, format="json")
    assert response.status_code == 200
    first, second = response.json()["results"]
    assert first["result"] == "rejected" and first["errors"] and first["errors"][0]["field"].startswith("items[0]")
    # The well-formed item beside it is handled on its own (a payment for an unknown account is rejected for
    # that reason alone).
    assert all(e["field"].startswith("items[1]") for e in second["errors"])
    assert second["result"] == "created" or not path.startswith("/api/v1/accounts")


@pytest.mark.parametrize("query, fields", [
    ("updated_since=&outcome=", ["outcome", "updated_since"]),
    ("account_number=", ["account_number"]),
    ("stage=contact&team=", ["team"]),
    ("cursor=", ["cursor"]),
])
def test_an_empty_filter_value_is_refused_naming_it(core_system, query, fields):  # noqa: F811
    response = core_system.get(f"/api/v1/cases/?{query}")
    assert response.status_code == 400
    assert [(e["field"], e["code"]) for e in errors(response)] == [(f, "blank") for f in fields]


def test_an_empty_value_is_refused_on_the_event_feed_too(core_system):  # noqa: F811
    response = core_system.get("/api/v1/events/?after=")
    assert response.status_code == 400 and errors(response)[0]["field"] == "after"


@pytest.mark.parametrize("limit", ["abc", "0", "501", "null"])
def test_a_malformed_page_size_is_refused_rather_than_ignored(core_system, limit):  # noqa: F811
    response = core_system.get("/api/v1/cases/", {"limit": limit})
    assert response.status_code == 400 and errors(response)[0]["field"] == "limit"


@pytest.mark.parametrize("path, field", [("/api/v1/accounts/batch", "principal_overdue"),
                                         ("/api/v1/payments/batch", "amount")])
@pytest.mark.parametrize("number", ["100.5", "100", "1e2"])
def test_money_as_a_json_number_is_refused_asking_for_a_decimal_string(core_system, path, field, number):  # noqa: F811
    item = BATCHES[path][2]()
    body = json.dumps({"items": [item]}).replace(json.dumps(item[field]), number, 1)
    response = core_system.post(path, body, content_type="application/json")
    [row] = response.json()["results"]
    assert row["result"] == "rejected"
    assert row["errors"] == [{"field": f"items[0].{field}", "code": "decimal_string_required",
                              "message": 'Send the amount as a decimal string, e.g. "1234.50", not as a JSON number.'}]
