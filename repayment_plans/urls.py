from django.urls import path

from repayment_plans import views, write_off_views

app_name = "repayment_plans"

urlpatterns = [
    path("approvals/", views.approvals, name="approvals"),
    path("case/<int:case_id>/promises/", views.promise_create, name="promise-create"),
    path("case/<int:case_id>/plans/", views.plan_create, name="plan-create"),
    path("plans/<int:plan_id>/decide/", views.plan_decide, name="plan-decide"),
    path("plans/<int:plan_id>/agreement/<str:language>.pdf", views.plan_agreement, name="plan-agreement"),
    path("plans/<int:plan_id>/code/", views.plan_code_send, name="plan-code-send"),
    path("plans/<int:plan_id>/accept/", views.plan_code_accept, name="plan-code-accept"),
    path("plans/<int:plan_id>/signed-copy/", views.plan_signed_copy, name="plan-signed-copy"),
    path("case/<int:case_id>/write-off/", write_off_views.write_off_create, name="write-off-create"),
    path("write-offs/<int:write_off_id>/decide/", write_off_views.write_off_decide, name="write-off-decide"),
]
