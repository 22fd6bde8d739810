from django.urls import path

from contacts import views

app_name = "contacts"

urlpatterns = [
    path("case/<int:case_id>/attempts/", views.attempt_create, name="attempt-create"),
    path("case/<int:case_id>/attempts/<int:attempt_id>/reason/", views.attempt_reason, name="attempt-reason"),
    path("case/<int:case_id>/exceptions/", views.exception_create, name="exception-create"),
]
