"""GET /api/v1/events/?after=CURSOR&limit=N: the outbox, oldest first, for core-system clients."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from api.models import Scope
from api.views.base import ERRORS, CoreSystemApi
from events.models import EventType
from events.selectors import events_after


class EventFeedApi(CoreSystemApi):
    required_scope = Scope.READ

    class FilterSerializer(serializers.Serializer):
        after = serializers.IntegerField(required=False, default=0, min_value=0,
                                         help_text="The last event id already processed; 0 or absent to start.")
        limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=1000)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "EventPage"

        class EventSerializer(serializers.Serializer):
            class Meta:
                ref_name = "Event"

            id = serializers.IntegerField(help_text="Increasing; use the last one seen as `after`.")
            type = serializers.ChoiceField(choices=EventType.choices)
            case_id = serializers.IntegerField()
            account_number = serializers.CharField()
            occurred_at = serializers.DateTimeField()
            payload = serializers.DictField()

        results = EventSerializer(many=True)
        next_after = serializers.IntegerField(help_text="Pass as `after` to read on; the same value when nothing "
                                                        "new has arrived yet.")

    @extend_schema(operation_id="events_list", parameters=[FilterSerializer],
                   responses={200: OutputSerializer, 400: ERRORS, 401: ERRORS, 403: ERRORS},
                   summary="Events after a cursor: nothing is lost and nothing repeats")
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        after = filters.validated_data["after"]
        events = list(events_after(after=after, limit=filters.validated_data["limit"]))
        body = {"results": self.OutputSerializer.EventSerializer(events, many=True).data,
                "next_after": events[-1].id if events else after}
        return Response(body)
