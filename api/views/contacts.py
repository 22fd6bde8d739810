"""GET /api/v1/cases/{id}/contacts/: a case's scheduled contacts and attempts, for complaint handlers and
auditors (scope read) and for staff who may see the case."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from api.models import Scope
from api.views.base import ERRORS, CoreSystemApi
from api.views.cases import READ_ERRORS, cases_for_reader
from contacts.selectors import case_contacts_view
from core.errors import NotFound


class CaseContactsApi(CoreSystemApi):
    required_scope = Scope.READ
    staff_may_read = True

    @extend_schema(operation_id="case_contacts",
                   parameters=[OpenApiParameter("case_id", int, OpenApiParameter.PATH, description="The case id.")],
                   responses={200: OpenApiTypes.OBJECT, 404: ERRORS, **READ_ERRORS},
                   summary="A case's scheduled contacts (oldest first) with policy version, rule and governor "
                           "trail, and its contact attempts")
    def get(self, request, case_id: str):
        case = (cases_for_reader(request).filter(pk=int(case_id)).first()
                if case_id.isascii() and case_id.isdigit() and len(case_id) < 19 else None)
        if case is None:
            raise NotFound("No case with this id is visible to you.")
        return Response(case_contacts_view(case=case))
