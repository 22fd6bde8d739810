from django.urls import path

from visits import views

app_name = "visits"

urlpatterns = [
    path("", views.my_day, name="day"),
    path("board/", views.board, name="board"),
    path("board/auto-assign/", views.auto_assign, name="auto-assign"),
    path("case/<int:case_id>/request/", views.request_create, name="request-create"),
    path("<int:visit_id>/", views.visit_detail, name="detail"),
    path("<int:visit_id>/assign/", views.assign, name="assign"),
    path("<int:visit_id>/cancel/", views.cancel, name="cancel"),
    path("<int:visit_id>/check-in/", views.check_in, name="check-in"),
    path("<int:visit_id>/report/", views.complete, name="complete"),
    path("<int:visit_id>/documents/<int:document_id>/", views.document_download, name="document"),
]
