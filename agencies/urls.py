from django.urls import path

from agencies import template_views, views

app_name = "agencies"

urlpatterns = [
    path("", views.agency_list, name="list"),
    path("new/", views.agency_new, name="new"),
    path("place/", views.bulk_place, name="bulk-place"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("place/csv/", views.csv_place, name="csv-place"),
    path("<int:agency_id>/", views.agency_detail, name="detail"),
    path("<int:agency_id>/edit/", views.agency_edit, name="edit"),
    path("<int:agency_id>/status/", views.agency_status, name="status"),
    path("<int:agency_id>/statements/<int:year>-<int:month>/", views.statement_month, name="statement-month"),
    path("<int:agency_id>/statements/<int:year>-<int:month>.csv", views.statement_month_csv,
         name="statement-month-csv"),
    path("<int:agency_id>/statements/<int:year>-<int:month>.pdf", views.statement_month_pdf,
         name="statement-month-pdf"),
    path("<int:agency_id>/statements/<int:year>-<int:month>/<str:currency>/", views.statement, name="statement"),
    path("<int:agency_id>/statements/<int:year>-<int:month>/<str:currency>.csv", views.statement_csv,
         name="statement-csv"),
    path("<int:agency_id>/statements/<int:year>-<int:month>/<str:currency>.pdf", views.statement_pdf,
         name="statement-pdf"),
    path("<int:agency_id>/statements/<int:year>-<int:month>/<str:currency>/approve/", views.statement_approve_view,
         name="statement-approve"),
    path("<int:agency_id>/templates/", template_views.template_set_list, name="template-sets"),
    path("<int:agency_id>/templates/withdraw/", template_views.template_set_withdraw, name="template-set-withdraw"),
    path("<int:agency_id>/templates/<int:version>/", template_views.template_set_detail, name="template-set"),
    path("<int:agency_id>/templates/<int:version>/publish/", template_views.template_set_publish,
         name="template-set-publish"),
    path("cases/<int:case_id>/place/", views.case_place, name="case-place"),
    path("cases/<int:case_id>/end/", views.case_placement_end, name="case-end"),
]
