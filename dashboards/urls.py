from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.dashboard, name="home"),
    path("manage/reassign/", views.reassign, name="reassign"),
    path("manage/teams/", views.teams, name="teams"),
    path("manage/reviews/", views.reviews, name="reviews"),
    path("manage/policy/", views.policy, name="policy"),
    path("manage/policy/previews/<int:pk>/", views.policy_preview_status, name="policy-preview"),
    path("<slug:page>/", views.dashboard, name="page"),
]
