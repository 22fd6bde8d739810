"""POST /api/v1/accounts/batch, /api/v1/payments/batch and /api/v1/accounts/recall: the core system pushes,
one result per item.

Each item is checked against the serializers below (which also document it in the schema) by the lean
validator; everything else happens in `cases.ingest`, in sets.
"""

from decimal import Decimal
from functools import lru_cache
from zoneinfo import available_timezones

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api.models import Scope
from api.validation import ObjectValidator, OffsetDateTimeField
from api.views.base import ERRORS, CoreSystemApi
from cases.ingest import (
    RECALL_REASONS,
    AccountSnapshot,
    ContactData,
    CustomerData,
    ItemOutcome,
    PaymentReport,
    Recall,
    Result,
    accounts_ingest,
    accounts_recall,
    payments_ingest,
)
from cases.models import ContactPointKind
from core.api import ErrorSerializer
from core.currencies import ISO_4217
from core.errors import DomainError
from staff.models import Language

BATCH_ERRORS = {400: ERRORS, 401: ERRORS, 403: ERRORS, 413: ERRORS, 415: ERRORS}


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_currency(value: str) -> None:
    if value not in ISO_4217:
        raise serializers.ValidationError(f"{value!r} is not an ISO 4217 currency code.", code="unknown_currency")


def validate_zone(value: str) -> None:
    if value not in _zones():
        raise serializers.ValidationError(f"{value!r} is not a known time zone.", code="unknown_timezone")


class DecimalStringField(serializers.DecimalField):
    """Money travels as text: a JSON number is a binary float to most senders and parsers, so it is refused
    before any amount is read from it (the lean item checks in api/validation.py answer the same)."""

    default_error_messages = {
        "decimal_string_required": 'Send the amount as a decimal string, e.g. "1234.50", not as a JSON number.',
    }

    def to_internal_value(self, data):
        if isinstance(data, int | float | Decimal) and not isinstance(data, bool):
            self.fail("decimal_string_required")
        return super().to_internal_value(data)


def money(help_text: str, *, minimum: str = "0") -> serializers.DecimalField:
    return DecimalStringField(max_digits=14, decimal_places=2, min_value=Decimal(minimum),
                              help_text=f"{help_text} A decimal string with at most 2 decimal places.")


def currency() -> serializers.CharField:
    return serializers.CharField(min_length=3, max_length=3, validators=[validate_currency],
                                 help_text="ISO 4217 code, e.g. CNY.")


class CustomerInSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    national_id = serializers.CharField(max_length=32)
    phone = serializers.CharField(max_length=32)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=64, required=False, validators=[validate_zone],
                                     help_text="IANA time zone; the default zone when left out.")


class OptOutChannelsSerializer(serializers.Serializer):
    sms = serializers.BooleanField(required=False)
    email = serializers.BooleanField(required=False)
    call = serializers.BooleanField(required=False)
    letter = serializers.BooleanField(required=False)


# "from" is a Python keyword, so the window's fields are named in a dict.
WindowInSerializer = type("WindowInSerializer", (serializers.Serializer,), {
    "from": serializers.TimeField(help_text="Local time, HH:MM."),
    "until": serializers.TimeField(help_text="Local time, HH:MM; after `from`."),
    "__module__": __name__})


class PreferencesInSerializer(serializers.Serializer):
    opt_out_channels = OptOutChannelsSerializer(required=False, help_text="true: opted out; false: opted back in.")
    opt_out_work_calls = serializers.BooleanField(required=False)
    window = WindowInSerializer(required=False, allow_null=True,
                                help_text="The preferred time window in the cardholder's zone; null clears it.")
    language = serializers.ChoiceField(choices=Language.values, required=False)
    consent_email = serializers.BooleanField(required=False)
    consent_sms = serializers.BooleanField(required=False)
class ContactInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContactPointKind.values,
                                   help_text="mobile, home or work: the cardholder's own; emergency or employer: a "
                                             "third party, contacted only to locate the cardholder; guarantor.")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    relationship = serializers.CharField(max_length=60, required=False, allow_blank=True,
                                         help_text="To the cardholder, e.g. spouse, sister, employer.")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True,
                                  help_text="A phone number or an address (or both) is required.")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)


class AccountItemSerializer(serializers.Serializer):
    account_number = serializers.CharField(max_length=32)
    customer = CustomerInSerializer()
    product = serializers.CharField(max_length=100, required=False, allow_blank=True)
    currency = currency()
    principal_overdue = money("Principal overdue.")
    interest_overdue = money("Interest overdue.")
    fees_overdue = money("Fees overdue.")
    penalty_overdue = money("Penalty overdue.")
    overdue_since = serializers.DateField(help_text="The missed due date, YYYY-MM-DD; not in the future.")
    as_of = OffsetDateTimeField(help_text="When the core system took this snapshot; ISO 8601 with an offset.")
    plan_interest_rate = DecimalStringField(
        max_digits=7, decimal_places=4, min_value=Decimal("0"), max_value=Decimal("100"), required=False,
        help_text="The annual rate, in percent (0–100, up to 4 decimal places, as a decimal string such as "
                  "\"7.3000\"), at which interest and fees accrue on the unpaid balance while a repayment plan "
                  "is kept; \"0\" when nothing accrues. A plan's written agreement states it; left out, the "
                  "stored rate stays, and without one the bank's default (setting PLAN_INTEREST_RATE) applies.")
    repayment_reference = serializers.CharField(
        max_length=64, required=False, allow_blank=True,
        help_text="The reference the cardholder quotes when paying into the bank's repayment account for this "
                  "account; a plan's written agreement states it. Left out, the stored reference stays; blank "
                  "clears it, and the agreement then gives the bank's default reference.")
    preferences = PreferencesInSerializer(
        required=False,
        help_text="The cardholder's contact preferences as the core system knows them, stated at `as_of`. Only a "
                  "value that changed since the core system's last statement of it is recorded; the most recent "
                  "statement wins, whoever made it.")
    contacts = ContactInSerializer(
        many=True, required=False, max_length=20,
        help_text="The core system's contact points for the cardholder, stored encrypted. Sent, the list replaces "
                  "the core system's previous list (points left out are retired, never deleted; points staff "
                  "added stay; a number already on file keeps its wrong mark); left out, the points stay.")


class PaymentItemSerializer(serializers.Serializer):
    transaction_id = serializers.CharField(max_length=64)
    account_number = serializers.CharField(max_length=32)
    amount = money("The amount paid, more than zero.", minimum="0.01")
    currency = currency()
    paid_at = OffsetDateTimeField(help_text="When it was paid; ISO 8601 with an offset. For a reversal: when the "
                                            "payment bounced or was returned.")
    reverses = serializers.CharField(
        max_length=64, required=False,
        help_text="Set for a reversal (a bounced or returned payment): the transaction_id of the payment it takes "
                  "back, on the same account and for its whole amount. The payment stops counting, what it paid "
                  "off the case is owed again, and a case it cured or settled reopens (or, when the account has "
                  "opened a newer case since, the amount is added to that one). The item's own transaction_id "
                  "makes it idempotent like any payment. An unknown or already reversed payment is rejected.")


class RecallItemSerializer(serializers.Serializer):
    account_number = serializers.CharField(max_length=32)
    reason = serializers.ChoiceField(
        choices=list(RECALL_REASONS),
        help_text="Why the core system withdraws the account: sold, fraud, deceased, bankruptcy, paid_elsewhere "
                  "or error.")
    as_of = OffsetDateTimeField(help_text="When the core system recalled the account; ISO 8601 with an offset, "
                                          "not in the future.")


ACCOUNT_ITEM = ObjectValidator(AccountItemSerializer())
PAYMENT_ITEM = ObjectValidator(PaymentItemSerializer())
RECALL_ITEM = ObjectValidator(RecallItemSerializer())


def batch_items(data) -> list:
    """The items of a batch envelope `{"items": [...]}`; DomainError (400) when the envelope is wrong."""
    if not isinstance(data, dict):
        raise DomainError("The body must be a JSON object with an `items` list.", code="invalid")
    unknown = sorted(set(data) - {"items"})
    if unknown:
        raise DomainError("This field is not part of the format.", code="unknown_field", field=unknown[0])
    if "items" not in data:
        raise DomainError("This field is required.", code="required", field="items")
    items = data["items"]
    if not isinstance(items, list):
        raise DomainError("A list of items is required.", code="not_a_list", field="items")
    if not items:
        raise DomainError("The batch has no items.", code="empty", field="items")
    if len(items) > settings.API_BATCH_MAX_ITEMS:
        raise DomainError(f"A batch holds at most {settings.API_BATCH_MAX_ITEMS} items.", code="too_many_items",
                          field="items")
    return items


def _text(item, name: str) -> str | None:
    value = item.get(name) if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def _result(index: int, outcome: ItemOutcome) -> dict:
    return {"result": outcome.result, "case_id": outcome.case_id,
            "errors": [{"field": f"items[{index}].{e.field}", "code": e.code, "message": e.message}
                       for e in outcome.errors]}


def _run_batch(*, items: list, validator: ObjectValidator, key: str, build, ingest) -> list[dict]:
    results: list[dict | None] = [None] * len(items)
    accepted, positions = [], []
    for index, item in enumerate(items):
        clean, errors = validator.validate(item, f"items[{index}]")
        if errors:
            results[index] = {key: _text(item, key), "result": Result.REJECTED, "case_id": None,
                              "errors": [e.as_dict() for e in errors]}
        else:
            accepted.append(build(clean))
            positions.append(index)
    if accepted:
        for index, value, outcome in zip(positions, accepted, ingest(accepted), strict=True):
            results[index] = {key: getattr(value, key), **_result(index, outcome)}
    return results


def _snapshot(clean: dict) -> AccountSnapshot:
    clean["customer"] = CustomerData(**clean["customer"])
    if clean.get("contacts") is not None:
        clean["contacts"] = [ContactData(**contact) for contact in clean["contacts"]]
    return AccountSnapshot(**clean)


class AccountsBatchApi(CoreSystemApi):
    required_scope = Scope.INGEST

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AccountsBatchInput"

        items = AccountItemSerializer(many=True, min_length=1, max_length=1000)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AccountsBatchOutput"

        class ResultSerializer(serializers.Serializer):
            class Meta:
                ref_name = "AccountsBatchResult"

            account_number = serializers.CharField(allow_null=True)
            result = serializers.ChoiceField(choices=[Result.CREATED, Result.UPDATED, Result.UNCHANGED,
                                                      Result.STALE, Result.CURED, Result.REJECTED])
            case_id = serializers.IntegerField(allow_null=True)
            errors = ErrorSerializer(many=True)

        results = ResultSerializer(many=True)

    @extend_schema(
        operation_id="accounts_batch", request=InputSerializer, responses={200: OutputSerializer, **BATCH_ERRORS},
        summary="Upsert up to 1,000 delinquent-account snapshots",
        description="One result per item, in order. A rejected item never blocks the others; the whole batch "
                    "is refused (400) only when the envelope is malformed or over the limit.",
    )
    def post(self, request):
        items = batch_items(request.data)
        results = _run_batch(items=items, validator=ACCOUNT_ITEM, key="account_number", build=_snapshot,
                             ingest=lambda snapshots: accounts_ingest(snapshots=snapshots))
        return Response({"results": results})


class PaymentsBatchApi(CoreSystemApi):
    required_scope = Scope.INGEST

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PaymentsBatchInput"

        items = PaymentItemSerializer(many=True, min_length=1, max_length=1000)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PaymentsBatchOutput"

        class ResultSerializer(serializers.Serializer):
            class Meta:
                ref_name = "PaymentsBatchResult"

            transaction_id = serializers.CharField(allow_null=True)
            result = serializers.ChoiceField(choices=[Result.APPLIED, Result.REVERSED, Result.DUPLICATE,
                                                      Result.REJECTED])
            case_id = serializers.IntegerField(allow_null=True)
            errors = ErrorSerializer(many=True)

        results = ResultSerializer(many=True)

    @extend_schema(
        operation_id="payments_batch", request=InputSerializer, responses={200: OutputSerializer, **BATCH_ERRORS},
        summary="Record up to 1,000 payments",
        description="Idempotent by transaction_id: a repeat returns `duplicate`; the same id with other details "
                    "is rejected. Payments pay down the open case (fees, penalty, interest, principal by "
                    "default) and a case with nothing left overdue closes as cured. A payment on an account "
                    "whose last case was written off is a recovery: recorded on that case (case_id), which "
                    "stays closed, and reported as payment.recovered. An item with `reverses` takes an earlier "
                    "payment back (`reversed`; payment.reversed, and case.reopened when its case reopens). The "
                    "batch is one transaction.",
    )
    def post(self, request):
        items = batch_items(request.data)
        results = _run_batch(items=items, validator=PAYMENT_ITEM, key="transaction_id",
                             build=lambda clean: PaymentReport(**clean),
                             ingest=lambda reports: payments_ingest(reports=reports))
        return Response({"results": results})


class AccountsRecallApi(CoreSystemApi):
    required_scope = Scope.INGEST

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AccountsRecallInput"

        items = RecallItemSerializer(many=True, min_length=1, max_length=1000)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AccountsRecallOutput"

        class ResultSerializer(serializers.Serializer):
            class Meta:
                ref_name = "AccountsRecallResult"

            account_number = serializers.CharField(allow_null=True)
            result = serializers.ChoiceField(choices=[Result.RECALLED, Result.UNCHANGED, Result.STALE,
                                                      Result.REJECTED])
            case_id = serializers.IntegerField(allow_null=True)
            errors = ErrorSerializer(many=True)

        results = ResultSerializer(many=True)

    @extend_schema(
        operation_id="accounts_recall", request=InputSerializer, responses={200: OutputSerializer, **BATCH_ERRORS},
        summary="Recall up to 1,000 accounts from collections",
        description="Closes each account's open case as `recalled` (case.closed and case.recalled, with the "
                    "reason) and cancels its pending contacts and open visits in the same transaction. "
                    "Idempotent: an account without an open case answers `unchanged` with its last case; a "
                    "recall older than the open case answers `stale`. One result per item, in order; an "
                    "unknown account is rejected for its item alone.",
    )
    def post(self, request):
        items = batch_items(request.data)
        results = _run_batch(items=items, validator=RECALL_ITEM, key="account_number",
                             build=lambda clean: Recall(**clean),
                             ingest=lambda recalls: accounts_recall(recalls=recalls))
        return Response({"results": results})
