"""GET /api/v1/cases/ and /api/v1/cases/{id}/ for core-system clients (scope read) and staff sessions.

Clients see every case; a member of staff sees what `cases_visible_to` allows, and anything else is 404.
"""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from api.models import ApiClient, Scope
from api.views.base import ERRORS, CoreSystemApi
from cases.delinquency import DELINQUENT_BUCKETS, Bucket
from cases.lifecycle import Outcome, Stage
from cases.models import Case
from cases.selectors import case_active_holds, case_history, case_list, cases_filter, cases_visible_to
from contacts.selectors import case_next_contact
from core.errors import NotFound
from repayment_plans.selectors import case_written_off

READ_ERRORS = {400: ERRORS, 401: ERRORS, 403: ERRORS}
TIMELINE_LENGTH = 10


def cases_for_reader(request):
    if isinstance(request.auth, ApiClient):
        return case_list()
    return cases_visible_to(user=request.user)


class CaseCursor(CursorPagination):
    ordering = "id"
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 500


class AmountsSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="ISO 4217 code.")
    principal_overdue = serializers.DecimalField(max_digits=14, decimal_places=2)
    interest_overdue = serializers.DecimalField(max_digits=14, decimal_places=2)
    fees_overdue = serializers.DecimalField(max_digits=14, decimal_places=2)
    penalty_overdue = serializers.DecimalField(max_digits=14, decimal_places=2)
    total_overdue = serializers.DecimalField(max_digits=16, decimal_places=2)


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    account_number = serializers.CharField(source="account.account_number")
    stage = serializers.ChoiceField(choices=Stage.choices)
    outcome = serializers.ChoiceField(choices=[("", "open"), *Outcome.choices], help_text="Empty while open.")
    amounts = AmountsSerializer(source="*")
    overdue_since = serializers.DateField()
    dpd = serializers.SerializerMethodField(help_text="Days past due, in the cardholder's time zone.")
    bucket = serializers.SerializerMethodField()
    team = serializers.CharField(source="assigned_team.name", allow_null=True, default=None)
    agent = serializers.CharField(source="assigned_agent.username", allow_null=True, default=None,
                                  help_text="Login of the assigned agent.")
    opened_at = serializers.DateTimeField()
    stage_changed_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.INT)
    def get_dpd(self, case: Case) -> int:
        return case.dpd(self.context["now"])

    @extend_schema_field(serializers.ChoiceField(choices=Bucket.choices))
    def get_bucket(self, case: Case) -> str:
        return case.bucket(self.context["now"])


class CasePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last one.")
    previous = serializers.URLField(allow_null=True)
    results = CaseSerializer(many=True)


class HoldSerializer(serializers.Serializer):
    kind = serializers.CharField()
    cause = serializers.CharField(help_text="For a hardship hold: medical, unemployment or disaster; else empty.")
    placed_at = serializers.DateTimeField()
    until = serializers.DateField(allow_null=True, help_text="The hold's last day, or null when it has no end date.")


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    from_stage = serializers.CharField()
    to_stage = serializers.CharField()
    outcome = serializers.CharField()
    by = serializers.CharField(source="actor_label")
    reason = serializers.CharField()


class NextActionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    due_at = serializers.DateTimeField()


class WrittenOffSerializer(serializers.Serializer):
    class Meta:
        ref_name = "WrittenOff"

    currency = serializers.CharField(help_text="ISO 4217 code.")
    principal = serializers.DecimalField(max_digits=14, decimal_places=2)
    interest = serializers.DecimalField(max_digits=14, decimal_places=2)
    fees = serializers.DecimalField(max_digits=14, decimal_places=2)
    penalty = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    approval_kind = serializers.CharField(help_text="within_own_authority or second_person.")
    approved_at = serializers.DateTimeField(source="decided_at")


class CaseDetailSerializer(CaseSerializer):
    holds = serializers.SerializerMethodField()
    written_off = serializers.SerializerMethodField(
        help_text="What the case was written off for, by part, when it closed as written_off; else null.")
    next_action = serializers.SerializerMethodField(
        help_text="The next scheduled contact or task, or null when none is scheduled.")
    timeline = serializers.SerializerMethodField(help_text=f"The last {TIMELINE_LENGTH} stage changes, newest first.")

    @extend_schema_field(HoldSerializer(many=True))
    def get_holds(self, case: Case):
        return HoldSerializer(case_active_holds(case=case).order_by("placed_at"), many=True).data

    @extend_schema_field(WrittenOffSerializer(allow_null=True))
    def get_written_off(self, case: Case):
        if case.outcome != Outcome.WRITTEN_OFF:
            return None
        write_off = case_written_off(case=case)
        return WrittenOffSerializer(write_off).data if write_off else None

    @extend_schema_field(NextActionSerializer(allow_null=True))
    def get_next_action(self, case: Case):
        contact = case_next_contact(case=case)
        return NextActionSerializer({"kind": contact.channel, "due_at": contact.due_at}).data if contact else None

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, case: Case):
        return TimelineEntrySerializer(case_history(case=case)[:TIMELINE_LENGTH], many=True).data


class CaseListApi(CoreSystemApi):
    required_scope = Scope.READ
    staff_may_read = True

    class FilterSerializer(serializers.Serializer):
        account_number = serializers.CharField(required=False, max_length=32)
        stage = serializers.ChoiceField(choices=Stage.choices, required=False)
        bucket = serializers.ChoiceField(choices=[b for b in Bucket.values if b in DELINQUENT_BUCKETS],
                                         required=False)
        outcome = serializers.ChoiceField(choices=Outcome.choices, required=False)
        team = serializers.IntegerField(required=False, min_value=1, help_text="Team id.")
        agent = serializers.CharField(required=False, max_length=150, help_text="The agent's login.")
        updated_since = serializers.DateTimeField(required=False, help_text="ISO 8601 with an offset.")
        # Read by the paginator; checked here so that a malformed page size is refused, not ignored.
        limit = serializers.IntegerField(required=False, min_value=1, max_value=CaseCursor.max_page_size,
                                         help_text="Page size, 100 unless given.")

    @extend_schema(
        operation_id="cases_list", parameters=[FilterSerializer,
                                               OpenApiParameter("cursor", {"type": "string", "minLength": 1},
                                                               description="From `next`.")],
        responses={200: CasePageSerializer, 404: ERRORS, **READ_ERRORS},
        summary="Cases, filtered, oldest id first, with cursor pagination",
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = dict(filters.validated_data)
        data["team_id"] = data.pop("team", None)
        data.pop("limit", None)
        queryset = cases_filter(queryset=cases_for_reader(request), **data)
        paginator = CaseCursor()
        page = paginator.paginate_queryset(queryset, request, view=self)
        body = CaseSerializer(page, many=True, context={"now": timezone.now()}).data
        return paginator.get_paginated_response(body)


class CaseDetailApi(CoreSystemApi):
    required_scope = Scope.READ
    staff_may_read = True

    @extend_schema(operation_id="cases_retrieve",
                   parameters=[OpenApiParameter("case_id", int, OpenApiParameter.PATH, description="The case id.")],
                   responses={200: CaseDetailSerializer, 404: ERRORS, **READ_ERRORS},
                   summary="One case: stage, outcome, holds, amounts, DPD, bucket, agent, next action, timeline, "
                           "what was written off")
    def get(self, request, case_id: str):
        case = cases_for_reader(request).filter(pk=int(case_id)).first() if case_id.isascii() and \
            case_id.isdigit() and len(case_id) < 19 else None
        if case is None:
            raise NotFound("No case with this id is visible to you.")
        return Response(CaseDetailSerializer(case, context={"now": timezone.now()}).data)
