"""GET /api/v1/cases/{id}/contacts/: a case's scheduled contacts and attempts, for those who may see the case."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.selectors import cases_visible_to
from contacts.selectors import case_contacts_view


class CaseContactsApi(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, operation_id="case_contacts",
                   description="The case's scheduled contacts (oldest first) with policy version, rule and "
                               "governor trail, and its contact attempts.")
    def get(self, request, case_id: int):
        case = get_object_or_404(cases_visible_to(user=request.user), pk=case_id)
        return Response(case_contacts_view(case=case))
