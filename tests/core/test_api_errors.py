from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ErrorDetail

from core.api import exception_handler, flatten
from core.errors import Conflict
from repayment_plans.models import PlanStatus


def test_nested_errors_are_named_by_their_path_with_list_indexes_in_brackets():
    detail = {"items": {3: {"amount": [ErrorDetail("Too many decimals.", code="max_decimal_places")]}},
              "non_field_errors": [ErrorDetail("Bad.", code="invalid")]}
    assert flatten(detail) == [
        {"field": "items[3].amount", "code": "max_decimal_places", "message": "Too many decimals."},
        {"field": None, "code": "invalid", "message": "Bad."},
    ]


def test_a_domain_error_is_read_in_the_readers_language_and_by_the_api_in_english():
    error = Conflict(_("A plan that is %(status)s cannot become %(to)s."),
                     params={"status": PlanStatus.ACTIVE.label, "to": PlanStatus.APPROVED.label}, code="plan_conflict")
    with translation.override("zh-hans"):
        shown = error.message
        response = exception_handler(error, {})
    assert shown == "处于“执行中”状态的方案不能变为“已批准，待持卡人接受”。"
    assert response.status_code == 409
    assert response.data == {"errors": [{"field": None, "code": "plan_conflict",
                                         "message": "A plan that is Active cannot become Approved, awaiting the "
                                                    "cardholder's acceptance."}]}
