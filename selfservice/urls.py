from django.urls import path

from selfservice import views

app_name = "selfservice"
urlpatterns = [
    path("", views.home, name="home"),
    path("link/", views.link_invalid, name="link-invalid"),
    path("signed-out/", views.signed_out, name="signed-out"),
    path("verify/", views.verify, name="verify"),
    path("verify/code/", views.code, name="code"),
    path("verify/code/again/", views.code_resend, name="code-resend"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("language/", views.language, name="language"),
    path("preferences/", views.preferences, name="preferences"),
    path("case/<int:case_id>/", views.case_detail, name="case"),
    path("case/<int:case_id>/promise/", views.promise, name="promise"),
    path("case/<int:case_id>/dispute/", views.dispute, name="dispute"),
    path("case/<int:case_id>/callback/", views.callback, name="callback"),
    path("case/<int:case_id>/hardship/", views.hardship, name="hardship"),
    path("case/<int:case_id>/plans/", views.offers, name="offers"),
    path("case/<int:case_id>/plans/<int:offer_id>/", views.offer, name="offer"),
    path("case/<int:case_id>/plans/another/", views.plan_request, name="plan-request"),
    path("case/<int:case_id>/letter/<int:contact_id>/", views.letter_file, name="letter"),
    path("case/<int:case_id>/agreement/<int:plan_id>/", views.agreement_file, name="agreement"),
    # Last: the link's token is one path segment that is none of the words above.
    path("<str:token>/", views.enter, name="enter"),
]
