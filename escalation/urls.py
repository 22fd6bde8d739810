from django.urls import path

from escalation import views

app_name = "escalation"

urlpatterns = [
    path("", views.exceptions_list, name="exceptions"),
    path("<int:case_id>/", views.exception_fix, name="exception-fix"),
    path("<int:case_id>/<slug:fix>/", views.exception_fix_apply, name="exception-fix-apply"),
]
