from django.urls import path

from cases import contact_point_views, referral_views, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("search/", views.case_search, name="search"),
    path("queue/", views.queue, name="queue"),
    path("queue/next/", views.queue_next, name="queue-next"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/notes/", views.case_note_create, name="note-create"),
    path("<int:case_id>/preferences/", views.case_preference_state, name="preference-state"),
    path("<int:case_id>/holds/", views.case_hold_create, name="hold-create"),
    path("<int:case_id>/holds/<int:hold_id>/release/", views.case_hold_end, name="hold-release"),
    path("<int:case_id>/holds/<int:hold_id>/evidence/", views.hold_evidence, name="hold-evidence"),
    path("<int:case_id>/hold-requests/<int:request_id>/decide/", views.hold_request_decide, name="hold-request-decide"),
    path("<int:case_id>/hold-requests/<int:request_id>/evidence/", views.hold_request_evidence,
         name="hold-request-evidence"),
    path("specialist/", views.specialist_queue, name="specialist"),
    path("<int:case_id>/reveal/", views.case_reveal, name="reveal"),
    path("<int:case_id>/contact-points/", contact_point_views.contact_point_create, name="contact-point-create"),
    path("<int:case_id>/contact-points/primary/wrong/", contact_point_views.contact_point_wrong,
         name="primary-number-wrong"),
    path("<int:case_id>/contact-points/<int:point_id>/wrong/", contact_point_views.contact_point_wrong,
         name="contact-point-wrong"),
    path("<int:case_id>/referral/", referral_views.referral_create, name="referral-create"),
    path("referrals/", referral_views.referral_list, name="referrals"),
    path("referrals/<int:referral_id>/decide/", referral_views.referral_decision, name="referral-decide"),
]
