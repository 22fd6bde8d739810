"""The two questions every case page and action asks, answered once: may this user see the case (else
404, so its existence is not disclosed), and may they work it (else 403)?"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from cases.models import Case
from cases.selectors import cases_visible_to
from staff.permissions import can_work_cases


def visible_case_or_404(request, case_id: int) -> Case:
    case = cases_visible_to(user=request.user).select_related("account__customer").filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


def workable_case_or_403(request, case_id: int) -> Case:
    case = visible_case_or_404(request, case_id)
    if not can_work_cases(request.user):
        raise PermissionDenied
    return case
