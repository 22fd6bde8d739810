from django.urls import path

from litigation import views

app_name = "litigation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:record_id>/", views.record_detail, name="record"),
    path("<int:record_id>/details/", views.record_update, name="update"),
    path("<int:record_id>/milestones/", views.milestone_add, name="milestone"),
    path("<int:record_id>/letters/", views.letter_send, name="letter"),
    path("<int:record_id>/ending/", views.ending, name="ending"),
    path("<int:record_id>/pack/", views.pack, name="pack"),
    path("<int:record_id>/documents/<int:document_id>/", views.document, name="document"),
]
