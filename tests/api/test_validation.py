"""The lean item checks of api/validation.py find what the DRF serializers they are compiled from find.

The serializers stay the description of each item; the lean path only runs faster. For any item, the
lean errors must name the same fields with the same codes as `Serializer(data=item).errors` mapped to
field paths, so a DRF upgrade that changes what a field accepts fails here. Two differences are on
purpose and left out of the comparison: the lean path words some messages its own way (the codes are
the contract), and it refuses fields that are not part of the format, which a serializer ignores.
"""

import string

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from api.views.ingest import ACCOUNT_ITEM, PAYMENT_ITEM, AccountItemSerializer, PaymentItemSerializer
from api.views.telephony import CALL_ITEM, CallItemSerializer
from core.api import flatten
from tests.api.conftest import account_item, payment_item

PATH = "items[0]"

decimal_texts = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(min_value=-10**15, max_value=10**15, places=3).map(str),
    st.from_regex(r"-?[0-9]{0,16}(\.[0-9]{0,4})?", fullmatch=True),
    st.from_regex(r"\s*[0-9]{1,14}(\.[0-9]{1,3})?(e[0-9])?\s*", fullmatch=True),
)
date_texts = st.one_of(st.dates().map(lambda d: d.isoformat()),
                       st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True))
datetime_texts = st.one_of(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})?",
                  fullmatch=True),
)
texts = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=4),  # currency-like
    st.sampled_from(["CNY", "USD", "cny", " CNY ", "", "   ", "Asia/Shanghai", "Mars/Olympus", "a\x00b", "\ud800"]),
    st.text(min_size=30, max_size=320),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), texts, decimal_texts,
                    date_texts, datetime_texts)
values = st.one_of(scalars, st.lists(scalars, max_size=2), st.dictionaries(st.text(max_size=5), scalars, max_size=2))


def _mutated(base: dict, nested: str | None):
    """The item with some fields (top level or in `nested`) replaced by any value, or taken out."""
    keys = [*base, *(f"{nested}.{key}" for key in base.get(nested, {}))] if nested else [*base]
    changes = st.dictionaries(st.sampled_from(keys), values | st.just(_GONE), min_size=1, max_size=4)
    return changes.map(lambda change: _apply(base, change))


_GONE = object()


def _apply(base: dict, change: dict) -> dict:
    item = {key: dict(value) if isinstance(value, dict) else value for key, value in base.items()}
    for key, value in change.items():
        target, name = (item, key) if "." not in key else (item.get(key.split(".")[0]), key.split(".", 1)[1])
        if not isinstance(target, dict):
            continue
        if value is _GONE:
            target.pop(name, None)
        else:
            target[name] = value
    return item


def _codes(errors) -> list[tuple]:
    return sorted((error["field"], error["code"]) for error in errors if error["code"] != "unknown_field")


def _assert_same_errors(validator, serializer_class, item) -> None:
    clean, errors = validator.validate(item, PATH)
    serializer = serializer_class(data=item)
    serializer.is_valid()
    assert _codes([e.as_dict() for e in errors]) == _codes(flatten(serializer.errors, PATH)), item
    if not errors:
        assert clean is not None


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(item=_mutated(account_item(), "customer") | values)
@example(item={**account_item(), "currency": "EURO"})  # two validators fail: both are reported
@example(item={**account_item(), "principal_overdue": "1234567890123"})  # too many whole digits
@example(item={**account_item(), "principal_overdue": "1e20"})
@example(item={**account_item(), "as_of": "2026-11-20T09:00:00"})  # no offset
@example(item={**account_item(), "as_of": "9999-12-31T23:00:00+00:00"})  # past the calendar in Shanghai
@example(item={**account_item(), "customer": {**account_item()["customer"], "email": "", "address": " "}})  # blank
def test_lean_account_errors_are_the_serializers(item):
    _assert_same_errors(ACCOUNT_ITEM, AccountItemSerializer, item)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(item=_mutated(account_item(plan_interest_rate="7.3000", repayment_reference="RP-8800123"), None))
@example(item=account_item(plan_interest_rate="100.0001"))  # above the maximum
@example(item=account_item(plan_interest_rate="1e2"))  # the maximum, written as DRF reads it
@example(item=account_item(plan_interest_rate=" 7.3 ", repayment_reference=" "))
def test_lean_checks_of_the_plan_terms_are_the_serializers(item):
    _assert_same_errors(ACCOUNT_ITEM, AccountItemSerializer, item)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(item=_mutated(payment_item("TX-1"), None) | values)
@example(item={**payment_item("TX-1"), "amount": "0.00"})  # below the minimum
@example(item={**payment_item("TX-1"), "amount": " 12.5 "})
def test_lean_payment_errors_are_the_serializers(item):
    _assert_same_errors(PAYMENT_ITEM, PaymentItemSerializer, item)


def call_item(**extra) -> dict:
    item = {"external_id": "CALL-1", "account_number": "6222000000000001", "direction": "outbound",
            "number": "+8613800138000", "started_at": "2026-11-30T10:00:00+08:00", "duration_seconds": 42,
            "result": "right_party", "reason": "illness", "agent": "agent",
            "recording": {"ref": "REC-1", "sha256": "a" * 64, "keep_until": "2030-01-31"}}
    item.update(extra)
    return item


whole_numbers = st.one_of(st.integers(), st.integers(min_value=-5, max_value=90_000).map(str),
                          st.sampled_from(["12.0", "12.00 ", " 7", "1_000", "1.5", "1e3", "", "٣", "86400", "86401"]))


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(item=_mutated(call_item(), "recording") | st.builds(call_item, duration_seconds=whole_numbers) | values)
@example(item=call_item(reason=""))  # a blank reason is allowed
@example(item=call_item(direction=["outbound"]))  # an unhashable value for a choice
@example(item=call_item(direction="Outbound"))
@example(item=call_item(duration_seconds=True))
@example(item=call_item(duration_seconds=12.0))
@example(item=call_item(recording=None))
@example(item=call_item(recording={"ref": "REC-1", "sha256": ""}))  # blank: no validator runs on it
@example(item=call_item(recording={"ref": "REC-1", "sha256": "A" * 64}))  # upper case is not the format
@example(item=call_item(recording={"ref": " ", "sha256": "a" * 65, "keep_until": None}))
def test_lean_call_errors_are_the_serializers(item):
    _assert_same_errors(CALL_ITEM, CallItemSerializer, item)


def test_fields_outside_the_format_are_refused_by_the_lean_path_alone():
    _clean, errors = ACCOUNT_ITEM.validate({**account_item(), "limit": "1"}, PATH)
    assert [(e.field, e.code) for e in errors] == [("items[0].limit", "unknown_field")]


CONTACT = {"kind": "emergency", "name": "李娜", "relationship": "sister", "phone": "13700001111", "address": ""}


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(item=st.one_of(
    st.lists(_mutated(CONTACT, None) | values, max_size=3).map(lambda contacts: account_item(contacts=contacts)),
    values.map(lambda contacts: account_item(contacts=contacts))))
@example(item=account_item(contacts=[CONTACT] * 21))  # more than a snapshot may carry
@example(item=account_item(contacts=[CONTACT, None, "x", {**CONTACT, "kind": "neighbour"}]))
@example(item=account_item(contacts=[]))
def test_lean_checks_of_contact_points_are_the_serializers(item):
    _assert_same_errors(ACCOUNT_ITEM, AccountItemSerializer, item)


def test_a_contact_points_error_names_the_point_and_its_field():
    _clean, errors = ACCOUNT_ITEM.validate(account_item(contacts=[CONTACT, {**CONTACT, "kind": "neighbour"}]),
                                           "items[2]")
    assert [(e.field, e.code) for e in errors] == [("items[2].contacts[1].kind", "invalid_choice")]
