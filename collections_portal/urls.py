from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from api.views.docs import ApiDocsView, ApiSchemaView
from cases import overview
from core import views as core_views
from core.health import healthz
from monitoring.views import metrics
from staff import two_factor
from staff import views as staff_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("", overview.home, name="home"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/two-factor/", two_factor.two_factor_setup, name="two-factor-setup"),
    path("accounts/verify/", two_factor.two_factor_verify, name="two-factor-verify"),
    path("language/", staff_views.language_set, name="language-set"),
    path("cases/exceptions/", include("escalation.urls")),
    path("cases/", include("cases.urls")),
    path("complaints/", include("complaints.urls")),
    path("audit/", include("compliance.urls")),
    path("compliance/", include("compliance.compliance_urls")),
    path("contacts/", include("contacts.urls")),
    path("visits/", include("visits.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("repayment-plans/", include("repayment_plans.urls")),
    path("litigation/", include("litigation.urls")),
    path("agencies/", include("agencies.urls")),
    path("api/v1/", include("api.urls")),
    path("my/", include("selfservice.urls")),
    path("self-service/", include("selfservice.staff_urls")),
    path("api/schema/", ApiSchemaView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(), name="api-docs"),
    path("admin/", admin.site.urls),
]

# Uploaded files (visit photos, signed agreements) are never served as static media, not even in
# development: each app serves its own through a view that checks who may see it and audits the look.
