from django.urls import path

from api.views.cases import CaseDetailApi, CaseListApi
from api.views.contacts import CaseContactsApi
from api.views.events import EventFeedApi
from api.views.ingest import AccountsBatchApi, PaymentsBatchApi

app_name = "api"

urlpatterns = [
    path("accounts/batch", AccountsBatchApi.as_view(), name="accounts-batch"),
    path("payments/batch", PaymentsBatchApi.as_view(), name="payments-batch"),
    path("cases/", CaseListApi.as_view(), name="case-list"),
    # Any text, so that a malformed id gets the API's JSON 404 rather than the site's HTML page.
    path("cases/<str:case_id>/", CaseDetailApi.as_view(), name="case-detail"),
    path("cases/<str:case_id>/contacts/", CaseContactsApi.as_view(), name="case-contacts"),
    path("events/", EventFeedApi.as_view(), name="event-feed"),
]
