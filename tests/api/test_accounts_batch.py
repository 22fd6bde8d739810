import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import override_settings

from cases.lifecycle import Outcome, Stage
from cases.models import Account, Case, Customer, StageHistory
from events.models import Event
from tests.api.conftest import AS_OF, account_item, post_accounts

pytestmark = pytest.mark.django_db


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_newly_delinquent_account_opens_a_case_at_confirm_with_history_and_event(core_system):
    [result] = results(post_accounts(core_system, account_item("6222000000000001")))

    case = Case.objects.get(pk=result["case_id"])
    assert result == {"account_number": "6222000000000001", "result": "created", "case_id": case.pk, "errors": []}
    assert case.stage == Stage.CONFIRM and case.total_overdue == Decimal("1080.00")
    assert case.account.snapshot_as_of == AS_OF
    assert case.account.customer.name == "王芳"
    assert StageHistory.objects.filter(case=case, to_stage=Stage.CONFIRM, actor_label="core-system").exists()
    assert list(Event.objects.filter(case=case).values_list("type", flat=True)) == ["case.opened"]


def test_a_later_snapshot_updates_the_open_case(core_system):
    post_accounts(core_system, account_item())
    later = AS_OF + dt.timedelta(days=1)
    [result] = results(post_accounts(core_system, account_item(principal="1500.00", as_of=later)))

    case = Case.objects.get()
    assert result["result"] == "updated" and result["case_id"] == case.pk
    assert case.principal_overdue == Decimal("1500.00") and case.account.snapshot_as_of == later


def test_sending_the_same_batch_again_changes_nothing(core_system):
    batch = [account_item("6222000000000001"), account_item("6222000000000002", principal="0.00", interest="0",
                                                           fees="0", penalty="0")]
    first = results(post_accounts(core_system, *batch))
    case = Case.objects.get()
    before = (case.updated_at, Event.objects.count(), StageHistory.objects.count(), Customer.objects.count())

    again = results(post_accounts(core_system, *batch))

    case.refresh_from_db()
    assert [r["result"] for r in first] == ["created", "unchanged"]
    assert [r["result"] for r in again] == ["unchanged", "unchanged"]
    assert (case.updated_at, Event.objects.count(), StageHistory.objects.count(), Customer.objects.count()) == before


def test_a_snapshot_older_than_the_last_applied_is_stale_and_ignored(core_system):
    post_accounts(core_system, account_item(principal="900.00"))
    older = account_item(principal="5000.00", as_of=AS_OF - dt.timedelta(days=2))
    older["customer"]["name"] = "旧名字"

    [result] = results(post_accounts(core_system, older))

    case = Case.objects.get()
    assert result["result"] == "stale" and result["case_id"] == case.pk
    assert case.principal_overdue == Decimal("900.00") and case.account.customer.name == "王芳"


def test_a_snapshot_with_nothing_overdue_closes_the_case_as_cured(core_system):
    [opened] = results(post_accounts(core_system, account_item()))
    zero = account_item(principal="0", interest="0", fees="0.00", penalty="0", as_of=AS_OF + dt.timedelta(days=1))

    [result] = results(post_accounts(core_system, zero))

    case = Case.objects.get()
    assert result == {"account_number": "6222000000000001", "result": "cured", "case_id": opened["case_id"],
                      "errors": []}
    assert (case.stage, case.outcome, case.total_overdue) == (Stage.CLOSED, Outcome.CURED, Decimal("0"))
    assert StageHistory.objects.filter(case=case, to_stage=Stage.CLOSED, outcome=Outcome.CURED).exists()
    assert list(Event.objects.filter(case=case).order_by("id").values_list("type", flat=True)) == [
        "case.opened", "case.stage_changed", "case.closed"]


def test_a_cured_account_that_falls_behind_again_opens_a_new_case(core_system):
    post_accounts(core_system, account_item())
    post_accounts(core_system, account_item(principal="0", interest="0", fees="0", penalty="0",
                                            as_of=AS_OF + dt.timedelta(days=1)))
    [result] = results(post_accounts(core_system, account_item(as_of=AS_OF + dt.timedelta(days=2))))

    assert result["result"] == "created"
    assert Case.objects.count() == 2 and Case.objects.exclude(stage=Stage.CLOSED).get().pk == result["case_id"]


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"currency": "XYZ"}, "currency", "unknown_currency"),
    ({"principal_overdue": "-1.00"}, "principal_overdue", "min_value"),
    ({"interest_overdue": "12,5"}, "interest_overdue", "invalid"),
    ({"fees_overdue": "1.005"}, "fees_overdue", "max_decimal_places"),
    ({"penalty_overdue": True}, "penalty_overdue", "invalid"),
    ({"principal_overdue": "ten"}, "principal_overdue", "invalid"),
    ({"overdue_since": "2030-01-01"}, "overdue_since", "in_future"),
    ({"as_of": "2026-11-20T09:00:00"}, "as_of", "offset_required"),
    ({"shoe_size": 42}, "shoe_size", "unknown_field"),
    ({"customer": "王芳"}, "customer", "invalid"),
    ({"plan_interest_rate": "-0.5"}, "plan_interest_rate", "min_value"),
    ({"plan_interest_rate": "100.0001"}, "plan_interest_rate", "max_value"),
    ({"plan_interest_rate": 7.3}, "plan_interest_rate", "decimal_string_required"),
    ({"plan_interest_rate": "7.30001"}, "plan_interest_rate", "max_decimal_places"),
    ({"plan_interest_rate": None}, "plan_interest_rate", "null"),
    ({"repayment_reference": "R" * 65}, "repayment_reference", "max_length"),
    ({"repayment_reference": ["RP-1"]}, "repayment_reference", "invalid"),
])
def test_an_invalid_item_is_rejected_with_its_field_path_and_writes_nothing(core_system, change, field, code):
    bad = {**account_item("6222000000000002"), **change}

    rows = results(post_accounts(core_system, account_item("6222000000000001"), bad))

    assert rows[0]["result"] == "created"
    assert rows[1]["result"] == "rejected" and rows[1]["case_id"] is None
    assert {"field": f"items[1].{field}", "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in rows[1]["errors"]]
    assert all(e["message"] for e in rows[1]["errors"])
    assert not Account.objects.filter(account_number="6222000000000002").exists()


def test_the_plan_rate_and_repayment_reference_are_stored_on_the_account(core_system):
    [result] = results(post_accounts(core_system, account_item(plan_interest_rate="7.3",
                                                               repayment_reference=" RP-8800123 ")))

    account = Account.objects.get()
    assert result["result"] == "created"
    assert (account.plan_interest_rate, account.repayment_reference) == (Decimal("7.3000"), "RP-8800123")


def test_a_snapshot_that_leaves_the_plan_terms_out_keeps_them_and_a_blank_reference_clears_it(core_system):
    post_accounts(core_system, account_item(plan_interest_rate="7.3", repayment_reference="RP-8800123"))
    post_accounts(core_system, account_item(as_of=AS_OF + dt.timedelta(days=1)))
    account = Account.objects.get()
    assert (account.plan_interest_rate, account.repayment_reference) == (Decimal("7.3000"), "RP-8800123")

    post_accounts(core_system, account_item(as_of=AS_OF + dt.timedelta(days=2), plan_interest_rate="0",
                                            repayment_reference=""))
    account.refresh_from_db()
    assert (account.plan_interest_rate, account.repayment_reference) == (Decimal("0"), "")


def test_a_missing_field_is_named_by_its_path(core_system):
    bad = account_item()
    del bad["customer"]["phone"]
    del bad["as_of"]

    [row] = results(post_accounts(core_system, bad))

    assert row["result"] == "rejected"
    assert sorted((e["field"], e["code"]) for e in row["errors"]) == [
        ("items[0].as_of", "required"), ("items[0].customer.phone", "required")]
    assert not Account.objects.exists()


def test_a_snapshot_in_another_currency_than_the_account_is_rejected(core_system):
    post_accounts(core_system, account_item())
    [row] = results(post_accounts(core_system, account_item(currency="USD", as_of=AS_OF + dt.timedelta(days=1))))
    assert row["result"] == "rejected" and row["errors"][0]["code"] == "currency_mismatch"
    assert Case.objects.get().currency == "CNY"


def test_the_same_account_twice_in_a_batch_rejects_the_second(core_system):
    rows = results(post_accounts(core_system, account_item(), account_item(principal="1.00")))
    assert [r["result"] for r in rows] == ["created", "rejected"]
    assert rows[1]["errors"][0] == {"field": "items[1].account_number", "code": "duplicate_item",
                                    "message": rows[1]["errors"][0]["message"]}


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"items": []}, "items", "empty"),
    ({"items": {}}, "items", "not_a_list"),
    ({}, "items", "required"),
    ({"items": [], "extra": 1}, "extra", "unknown_field"),
    ([1, 2], None, "invalid"),
])
def test_a_malformed_envelope_refuses_the_whole_batch(core_system, body, field, code):
    response = core_system.post("/api/v1/accounts/batch", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"errors": [{"field": field, "code": code, "message": response.json()["errors"][0][
        "message"]}]}


def test_a_batch_over_the_limit_is_refused_whole(core_system):
    items = [account_item(f"6288{i:012d}") for i in range(1001)]
    response = post_accounts(core_system, *items)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "too_many_items"
    assert not Account.objects.exists()


def test_malformed_json_is_refused(core_system):
    response = core_system.post("/api/v1/accounts/batch", '{"items": [', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


@override_settings(API_MAX_BODY_BYTES=2000)
def test_a_body_over_the_size_limit_is_refused_and_writes_nothing(core_system):
    response = post_accounts(core_system, *[account_item(f"6288{i:012d}") for i in range(10)])
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "body_too_large"
    assert not Account.objects.exists()


def test_a_newer_snapshot_updates_the_cardholders_contact_details(core_system):
    post_accounts(core_system, account_item("6222000000000001"))
    newer = account_item("6222000000000002", as_of=AS_OF + dt.timedelta(days=1))
    newer["customer"] = {**newer["customer"], "external_id": "C-6222000000000001", "phone": "+8613911112222",
                         "email": "wang.fang@example.com"}

    results(post_accounts(core_system, newer))

    customer = Customer.objects.get()
    assert (customer.phone, customer.email, customer.name) == ("+8613911112222", "wang.fang@example.com", "王芳")
    assert Account.objects.filter(customer=customer).count() == 2


def test_a_form_encoded_body_is_refused_with_415(core_system):
    response = core_system.post("/api/v1/accounts/batch", {"items": "x"})
    assert response.status_code == 415
    assert response.json()["errors"][0]["code"] == "unsupported_media_type"


def test_a_lone_surrogate_is_refused_as_malformed_json_not_a_server_error(core_system):
    body = '{"items": [{"account_number": "\\ud800", "\\udfff": 1}]}'
    response = core_system.post("/api/v1/accounts/batch", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_an_emoji_written_as_a_surrogate_pair_is_fine(core_system):
    item = account_item()
    item["customer"]["name"] = "\U0001F600"
    body = json.dumps({"items": [item]})  # ASCII-escaped: the emoji travels as a surrogate pair
    [row] = results(core_system.post("/api/v1/accounts/batch", body, content_type="application/json"))
    assert row["result"] == "created" and Customer.objects.get().name == "\U0001F600"


def test_contact_points_arrive_with_the_snapshot_and_a_bad_one_is_named_by_its_path(core_system):
    sister = {"kind": "emergency", "name": "李娜", "relationship": "sister", "phone": "13700001111"}
    good, bad = results(post_accounts(
        core_system, account_item("6222000000000001", contacts=[sister]),
        account_item("6222000000000002", contacts=[sister, {"kind": "neighbour", "phone": "1"}])))
    assert good["result"] == "created"
    point = Customer.objects.get(external_id="C-6222000000000001").contact_points.get()
    assert (point.kind, point.relationship, point.phone) == ("emergency", "sister", "13700001111")
    assert bad["result"] == "rejected"
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [("items[1].contacts[1].kind", "invalid_choice")]
