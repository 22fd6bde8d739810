"""POST /api/v1/sms/inbound: the SMS provider's callback for messages sent to the bank (scope telephony)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api.models import Scope
from api.validation import OffsetDateTimeField
from api.views.base import ERRORS, CoreSystemApi
from contacts.inbound import sms_inbound_record
from contacts.models import InboundSms

SMS_ERRORS = {400: ERRORS, 401: ERRORS, 403: ERRORS, 413: ERRORS, 415: ERRORS}
class TextOnlyField(serializers.CharField):
    """A string, and only a string: DRF's CharField would take the number 0 as "0", which the schema refuses."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# "from" is a Python keyword, so the fields are named in a dict.
InboundSmsInput = type("InboundSmsInput", (serializers.Serializer,), {
    # Not trimmed, so that what the schema allows (one character or more) is what is accepted.
    "from": TextOnlyField(min_length=1, max_length=32, trim_whitespace=False,
                                  help_text="The sender's number, e.g. +8613800000000."),
    "body": TextOnlyField(max_length=2000, allow_blank=True, trim_whitespace=False,
                                  help_text="The text. STOP, TD, 退订 and the like opt the number out of SMS."),
    "received_at": OffsetDateTimeField(help_text="When the provider received it; ISO 8601 with an offset."),
    "provider_id": TextOnlyField(min_length=1, max_length=100, trim_whitespace=False,
                                         help_text="The provider's message id: the call is idempotent by it."),
    "__module__": __name__})


class InboundSmsOutput(serializers.Serializer):
    provider_id = serializers.CharField()
    result = serializers.ChoiceField(choices=InboundSms.Outcome.values)
    cardholders = serializers.IntegerField(help_text="How many cardholders have this number.")
    duplicate = serializers.BooleanField(help_text="True when this provider_id was recorded before.")


class InboundSmsApi(CoreSystemApi):
    required_scope = Scope.TELEPHONY

    @extend_schema(operation_id="sms_inbound", request=InboundSmsInput, responses={200: InboundSmsOutput, **SMS_ERRORS},
                   summary="An SMS received from a cardholder",
                   description="An opt-out keyword opts the number out of SMS at once, for every cardholder it "
                               "belongs to; other text is stored as an inbound message on their open cases. A "
                               "repeated provider_id returns the first answer with duplicate: true.")
    def post(self, request):
        data = InboundSmsInput(data=request.data)
        data.is_valid(raise_exception=True)
        clean = data.validated_data
        message, created = sms_inbound_record(sender=clean["from"], body=clean["body"],
                                              received_at=clean["received_at"], provider_id=clean["provider_id"])
        return Response({"provider_id": message.provider_id, "result": message.outcome,
                         "cardholders": message.cardholders, "duplicate": not created})
