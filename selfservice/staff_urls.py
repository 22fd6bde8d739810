from django.urls import path

from selfservice import staff_views

app_name = "selfservice-staff"
urlpatterns = [
    path("uploads/<int:upload_id>/", staff_views.upload_file, name="upload"),
    path("cases/<int:case_id>/revoke/", staff_views.links_revoke, name="revoke"),
]
