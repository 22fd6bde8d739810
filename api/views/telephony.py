"""POST /api/v1/contact-attempts/batch: the telephony system feeds the calls it made and took.

Items are checked against the serializer below (which documents them in the schema) by the lean
validator, as for the core system's batches; `contacts.telephony` records and judges them in sets.
"""

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api.models import Scope
from api.validation import ObjectValidator, OffsetDateTimeField
from api.views.base import CoreSystemApi
from api.views.ingest import BATCH_ERRORS, batch_items
from contacts.models import AttemptResult, DelinquencyReason, Direction
from contacts.services import Recording
from contacts.telephony import CallOutcome, CallResult, DialerCall, telephony_attempts_record
from core.api import ErrorSerializer

# A call longer than a day is a clock or a record gone wrong.
MAX_CALL_SECONDS = 86_400


class RecordingInSerializer(serializers.Serializer):
    ref = serializers.CharField(max_length=200, help_text="The telephony system's id of the recording.")
    sha256 = serializers.CharField(
        max_length=64, required=False, allow_blank=True,
        validators=[RegexValidator(r"^[0-9a-f]{64}$", message="A SHA-256 is 64 lowercase hexadecimal characters.",
                                   code="sha256_invalid")],
        help_text="SHA-256 of the recording file, 64 lowercase hexadecimal characters.")
    keep_until = serializers.DateField(required=False, allow_null=True,
                                       help_text="Keep the recording at least until this day, YYYY-MM-DD.")


class CallItemSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=100, help_text="The telephony system's call id; a call sent "
                                                                  "again with the same id is a duplicate.")
    account_number = serializers.CharField(max_length=32, help_text="The card account the call was about.")
    direction = serializers.ChoiceField(choices=Direction.choices,
                                        help_text="`inbound` when the cardholder called: never a breach, and it "
                                                  "counts towards no limit.")
    number = serializers.CharField(max_length=32, allow_blank=True,
                                   help_text="The number dialled, or the caller's (blank when withheld), e.g. "
                                             "+8613800138000. Matched to the cardholder's contact points.")
    started_at = OffsetDateTimeField(help_text="When the call started; ISO 8601 with an offset; not in the future.")
    duration_seconds = serializers.IntegerField(min_value=0, max_value=MAX_CALL_SECONDS,
                                                help_text="How long the call lasted, in seconds.")
    result = serializers.ChoiceField(choices=AttemptResult.choices)
    reason = serializers.ChoiceField(choices=DelinquencyReason.choices, required=False, allow_blank=True,
                                     help_text="Why the account fell behind, when the agent recorded it.")
    agent = serializers.CharField(max_length=150, required=False, allow_blank=True,
                                  help_text="The agent's login; blank for a call no agent took part in.")
    recording = RecordingInSerializer(required=False, allow_null=True)


CALL_ITEM = ObjectValidator(CallItemSerializer())


def _call(clean: dict) -> DialerCall:
    recording = clean.pop("recording", None)
    return DialerCall(**clean, recording=Recording(**recording) if recording else None)


def _answer(index: int, external_id, outcome: CallOutcome) -> dict:
    return {"external_id": external_id, "result": outcome.result, "case_id": outcome.case_id,
            "attempt_id": outcome.attempt_id, "breaches": outcome.breaches,
            "errors": [{"field": f"items[{index}].{e.field}", "code": e.code, "message": e.message}
                       for e in outcome.errors]}


class ContactAttemptsBatchApi(CoreSystemApi):
    required_scope = Scope.TELEPHONY

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ContactAttemptsBatchInput"

        items = CallItemSerializer(many=True, min_length=1, max_length=1000)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ContactAttemptsBatchOutput"

        class ResultSerializer(serializers.Serializer):
            class Meta:
                ref_name = "ContactAttemptsBatchResult"

            external_id = serializers.CharField(allow_null=True)
            result = serializers.ChoiceField(choices=[CallResult.RECORDED, CallResult.DUPLICATE,
                                                      CallResult.REJECTED])
            case_id = serializers.IntegerField(allow_null=True)
            attempt_id = serializers.IntegerField(allow_null=True)
            breaches = serializers.ListField(
                child=serializers.CharField(),
                help_text="The contact rules the call broke (e.g. `hours`, `calls_per_day`); empty when it broke "
                          "none or a supervisor's exception covered it. A duplicate repeats the recorded call's.")
            errors = ErrorSerializer(many=True)

        results = ResultSerializer(many=True)

    @extend_schema(
        operation_id="contact_attempts_batch", request=InputSerializer,
        responses={200: OutputSerializer, **BATCH_ERRORS},
        summary="Record up to 1,000 calls from the telephony system",
        description="One result per item, in order: `recorded`, `duplicate` (idempotent by external_id) or "
                    "`rejected` (with an error per field, e.g. an unknown account). Record first, judge second: "
                    "a call that happened is never refused for breaking the contact rules; it is recorded with "
                    "the rules it broke in `breaches`, judged as of started_at against what was recorded then. "
                    "The calls appear in GET /api/v1/cases/{id}/contacts/. Needs the `telephony` scope.",
    )
    def post(self, request):
        items = batch_items(request.data)
        results: list[dict | None] = [None] * len(items)
        calls, positions = [], []
        for index, item in enumerate(items):
            clean, errors = CALL_ITEM.validate(item, f"items[{index}]")
            if errors:
                external_id = item.get("external_id") if isinstance(item, dict) else None
                results[index] = {"external_id": external_id if isinstance(external_id, str) else None,
                                  "result": CallResult.REJECTED, "case_id": None, "attempt_id": None,
                                  "breaches": [], "errors": [e.as_dict() for e in errors]}
            else:
                calls.append(_call(clean))
                positions.append(index)
        if calls:
            for index, call, outcome in zip(positions, calls, telephony_attempts_record(calls=calls), strict=True):
                results[index] = _answer(index, call.external_id, outcome)
        return Response({"results": results})
