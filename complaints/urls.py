from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("case/<int:case_id>/", views.complaint_create, name="create"),
    path("<int:complaint_id>/resolve/", views.complaint_resolve_view, name="resolve"),
]
