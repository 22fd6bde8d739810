"""Whatever JSON arrives inside a batch, the answer is a per-item result, never a server error."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import account_item, payment_item

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)


def mutated(item: dict):
    """The item with one field (maybe nested, maybe new) replaced by any JSON value."""
    return st.sampled_from([*item, "customer.name", "customer.timezone", "unexpected"]).flatmap(
        lambda key: json_values.map(lambda value: _replace(item, key, value)))


def _replace(item: dict, key: str, value) -> dict:
    copy = {**item, "customer": dict(item["customer"])} if "customer" in item else dict(item)
    if key.startswith("customer."):
        if "customer" in copy:
            copy["customer"][key.split(".", 1)[1]] = value
    else:
        copy[key] = value
    return copy


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_item_gets_a_result_and_never_a_server_error(core_system, data):
    kind = data.draw(st.sampled_from(["accounts", "payments"]))
    base = account_item() if kind == "accounts" else payment_item("TX-F")
    item = data.draw(mutated(base) | json_values)
    response = core_system.post(f"/api/v1/{kind}/batch", {"items": [item]}, format="json")
    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    assert row["result"] in {"created", "updated", "unchanged", "stale", "cured", "rejected", "applied",
                             "duplicate"}
    assert (row["result"] == "rejected") == bool(row["errors"])
