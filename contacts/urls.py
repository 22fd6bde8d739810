from django.urls import path

from contacts import views

app_name = "contacts"

urlpatterns = [
    path("case/<int:case_id>/attempts/", views.attempt_create, name="attempt-create"),
]
