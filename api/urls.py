from django.http import JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from api.views.cases import CaseDetailApi, CaseListApi
from api.views.contacts import CaseContactsApi
from api.views.events import EventFeedApi
from api.views.ingest import AccountsBatchApi, AccountsRecallApi, PaymentsBatchApi
from api.views.sms import InboundSmsApi
from api.views.telephony import ContactAttemptsBatchApi
from core.api import error_body

app_name = "api"


@csrf_exempt  # the API authenticates by token; any method gets the same JSON answer
def not_found(request, path=""):
    """Any other address under /api/v1/ answers in the API's error shape, not with the site's HTML page."""
    return JsonResponse(error_body({"field": None, "code": "not_found", "message": "There is no such endpoint."}),
                        status=404)


urlpatterns = [
    path("accounts/batch", AccountsBatchApi.as_view(), name="accounts-batch"),
    path("accounts/recall", AccountsRecallApi.as_view(), name="accounts-recall"),
    path("payments/batch", PaymentsBatchApi.as_view(), name="payments-batch"),
    path("contact-attempts/batch", ContactAttemptsBatchApi.as_view(), name="contact-attempts-batch"),
    path("cases/", CaseListApi.as_view(), name="case-list"),
    # Any text, so that a malformed id gets the API's JSON 404 rather than the site's HTML page.
    path("cases/<str:case_id>/", CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<str:case_id>/contacts/", CaseContactsApi.as_view(), name="case-contacts"),
    path("events/", EventFeedApi.as_view(), name="event-feed"),
    path("sms/inbound", InboundSmsApi.as_view(), name="sms-inbound"),
    re_path(r"^(?P<path>.*)$", not_found),
]
