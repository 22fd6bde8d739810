"""Every role against every named page and endpoint.

A URL added without a row here fails `test_every_named_url_has_a_row`, so access is decided, not inherited.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from agencies.models import TemplateSet
from agencies.services import agency_create
from cases.holds import hold_request_create
from cases.lifecycle import HoldKind, Stage
from cases.models import ContactPoint
from cases.referrals import referral_raise
from cases.services import case_hold_place
from complaints.services import complaint_open
from contacts.models import ContactAttempt
from dashboards.models import PolicyPreview
from escalation.models import Policy
from litigation.services import litigation_open
from selfservice.identity import COOKIE_NAME, session_start
from selfservice.links import link_create
from tests.factories import CaseFactory
from tests.visits.conftest import assigned_visit

ROLES = ["anonymous", "outsider", "agent", "field_agent", "supervisor", "manager", "compliance", "admin_user",
         "cardholder"]

# What a response means for access: "ok" (served, or a validation answer), "login" (sent to sign in),
# "unauth" (API 401), "denied" (403) or "hidden" (404: the object is outside the user's scope).
# "my_out" (sent to the cardholder's signed-out page) is the cardholder's page's answer to no session.
OK, LOGIN, UNAUTH, DENIED, HIDDEN, MY_OUT = "ok", "login", "unauth", "denied", "hidden", "my_out"


def row(anonymous, outsider, agent, field_agent, supervisor, manager, compliance, admin_user, cardholder=DENIED):
    """One URL's answers. The cardholder (signed in on their own page, /my/) is refused everywhere else."""
    return dict(zip(ROLES, [anonymous, outsider, agent, field_agent, supervisor, manager, compliance, admin_user,
                            cardholder], strict=True))


# The cardholder's own page: a staff session is refused there, whoever it is.
MY_WAY_IN = row(OK, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, cardholder=OK)
MY_PAGE = row(MY_OUT, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, cardholder=OK)
MY_NO_SUCH_OBJECT = row(MY_OUT, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, cardholder=HIDDEN)


EVERYONE = row(OK, OK, OK, OK, OK, OK, OK, OK)
SIGNED_IN = row(LOGIN, OK, OK, OK, OK, OK, OK, OK)
# A case of the agent's team: the field agent is not assigned to it; an outsider has no scope at all.
SEE_CASE = row(LOGIN, HIDDEN, OK, HIDDEN, OK, OK, OK, OK)
# A queue, and claiming its next case, belong to the roles that work cases.
QUEUE_WORKERS = row(LOGIN, DENIED, OK, OK, OK, OK, DENIED, DENIED)
WORK_CASE = row(LOGIN, HIDDEN, OK, HIDDEN, OK, OK, DENIED, DENIED)
RELEASE_HOLD = row(LOGIN, HIDDEN, DENIED, HIDDEN, OK, OK, OK, DENIED)
COMPLAINT_DESK = row(LOGIN, DENIED, DENIED, DENIED, OK, OK, OK, DENIED)
DECIDERS = row(LOGIN, DENIED, DENIED, DENIED, OK, OK, DENIED, DENIED)
VISIT_PLANNERS = row(LOGIN, DENIED, DENIED, DENIED, OK, OK, DENIED, OK)
# A visit on a team case, assigned to the field agent: they see it, and so does everyone who sees the case.
SEE_VISIT = row(LOGIN, HIDDEN, OK, OK, OK, OK, OK, OK)
DASHBOARD_VIEWERS = row(LOGIN, DENIED, DENIED, DENIED, OK, OK, OK, OK)
DASHBOARD_MANAGERS = row(LOGIN, DENIED, DENIED, DENIED, OK, OK, DENIED, OK)
NO_SUCH_OBJECT = row(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN)
AUDIT_DESK = row(LOGIN, DENIED, DENIED, DENIED, DENIED, OK, OK, OK)
FILE_BUILDERS = row(LOGIN, DENIED, DENIED, DENIED, DENIED, OK, OK, DENIED)
TWO_FACTOR = row(LOGIN, DENIED, DENIED, DENIED, OK, OK, DENIED, OK)
# Staff read the API with their session; a login without a staff profile may not.
API_READ_LIST = row(UNAUTH, DENIED, OK, OK, OK, OK, OK, OK)
API_READ_CASE = row(UNAUTH, DENIED, OK, HIDDEN, OK, OK, OK, OK)
API_DOCS_READERS = row(UNAUTH, DENIED, OK, OK, OK, OK, OK, OK)
API_CLIENTS_ONLY = row(UNAUTH, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED)

# Outside agencies: the whitelist's managers (manager, admin), who may place cases (supervisor, manager), and who
# reads the figures and statements (supervisor, manager, compliance).
AGENCY_READERS = row(LOGIN, DENIED, DENIED, DENIED, OK, OK, OK, DENIED)
AGENCY_MANAGERS = row(LOGIN, DENIED, DENIED, DENIED, DENIED, OK, DENIED, OK)
PLACERS = row(LOGIN, DENIED, DENIED, DENIED, OK, OK, DENIED, DENIED)
STATEMENT = "2026-11"

# name: (method, url builder taking the objects, expectations)
MATRIX = {
    "agencies:list": ("get", lambda o: reverse("agencies:list"), DASHBOARD_VIEWERS),
    "agencies:new": ("get", lambda o: reverse("agencies:new"), AGENCY_MANAGERS),
    "agencies:detail": ("get", lambda o: reverse("agencies:detail", args=[o["agency"].pk]),
                        row(LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK)),
    "agencies:edit": ("get", lambda o: reverse("agencies:edit", args=[o["agency"].pk]), AGENCY_MANAGERS),
    "agencies:status": ("post", lambda o: reverse("agencies:status", args=[o["agency"].pk]), AGENCY_MANAGERS),
    "agencies:dashboard": ("get", lambda o: reverse("agencies:dashboard"), AGENCY_READERS),
    "agencies:bulk-place": ("get", lambda o: reverse("agencies:bulk-place"), PLACERS),
    "agencies:csv-place": ("post", lambda o: reverse("agencies:csv-place"), PLACERS),
    "agencies:case-place": ("post", lambda o: reverse("agencies:case-place", args=[o["case"].pk]), PLACERS),
    "agencies:case-end": ("post", lambda o: reverse("agencies:case-end", args=[o["case"].pk]), PLACERS),
    "agencies:statement": ("get", lambda o: f"/agencies/{o['agency'].pk}/statements/{STATEMENT}/CNY/", AGENCY_READERS),
    "agencies:statement-csv": ("get", lambda o: f"/agencies/{o['agency'].pk}/statements/{STATEMENT}/CNY.csv",
                               AGENCY_READERS),
    "agencies:statement-pdf": ("get", lambda o: f"/agencies/{o['agency'].pk}/statements/{STATEMENT}/CNY.pdf",
                               AGENCY_READERS),
    "agencies:statement-month": ("get", lambda o: f"/agencies/{o['agency'].pk}/statements/{STATEMENT}/",
                                 AGENCY_READERS),
    "agencies:statement-month-csv": ("get", lambda o: f"/agencies/{o['agency'].pk}/statements/{STATEMENT}.csv",
                                     AGENCY_READERS),
    "agencies:statement-month-pdf": ("get", lambda o: f"/agencies/{o['agency'].pk}/statements/{STATEMENT}.pdf",
                                     AGENCY_READERS),
    "agencies:statement-approve": ("post", lambda o: f"/agencies/{o['agency'].pk}/statements/{STATEMENT}/CNY/approve/",
                                   row(LOGIN, DENIED, DENIED, DENIED, DENIED, OK, DENIED, DENIED)),
    # An agency's template set: read by whoever sees the agency, kept by the whitelist's managers.
    "agencies:template-sets": ("get", lambda o: reverse("agencies:template-sets", args=[o["agency"].pk]),
                               row(LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK)),
    "agencies:template-set": ("get", lambda o: reverse("agencies:template-set", args=[o["agency"].pk, 1]),
                              row(LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, OK, OK, OK)),
    "agencies:template-set-publish": ("post", lambda o: reverse("agencies:template-set-publish",
                                                                args=[o["agency"].pk, 1]), AGENCY_MANAGERS),
    "agencies:template-set-withdraw": ("post", lambda o: reverse("agencies:template-set-withdraw",
                                                                 args=[o["agency"].pk]), AGENCY_MANAGERS),
    # The cases waiting in confirm: the supervisors and managers who fix them.
    "escalation:exceptions": ("get", lambda o: reverse("escalation:exceptions"), DECIDERS),
    "escalation:exception-fix": ("get", lambda o: reverse("escalation:exception-fix", args=[o["case"].pk]), DECIDERS),
    "escalation:exception-fix-apply": ("post", lambda o: reverse("escalation:exception-fix-apply",
                                                                 args=[o["case"].pk, "amounts"]), DECIDERS),
    "healthz": ("get", lambda o: reverse("healthz"), EVERYONE),
    "favicon": ("get", lambda o: reverse("favicon"), EVERYONE),
    # Allowed by address or token, whoever is signed in (tests/monitoring); the test client calls from
    # 127.0.0.1, an allowed address by default.
    "metrics": ("get", lambda o: reverse("metrics"), EVERYONE),
    "home": ("get", lambda o: reverse("home"), SIGNED_IN),
    "login": ("get", lambda o: reverse("login"), EVERYONE),
    # Signing out always ends on the sign-in page.
    "logout": ("post", lambda o: reverse("logout"), row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)),
    "password_change": ("get", lambda o: reverse("password_change"), SIGNED_IN),
    "password_change_done": ("get", lambda o: reverse("password_change_done"), SIGNED_IN),
    "two-factor-setup": ("get", lambda o: reverse("two-factor-setup"), TWO_FACTOR),
    "two-factor-verify": ("get", lambda o: reverse("two-factor-verify"), SIGNED_IN),
    "language-set": ("post", lambda o: reverse("language-set"), EVERYONE),
    "cases:list": ("get", lambda o: reverse("cases:list"), SIGNED_IN),
    "cases:queue": ("get", lambda o: reverse("cases:queue"), QUEUE_WORKERS),
    "cases:queue-next": ("post", lambda o: reverse("cases:queue-next"), QUEUE_WORKERS),
    "cases:detail": ("get", lambda o: reverse("cases:detail", args=[o["case"].pk]), SEE_CASE),
    "cases:note-create": ("post", lambda o: reverse("cases:note-create", args=[o["case"].pk]), WORK_CASE),
    "cases:hold-create": ("post", lambda o: reverse("cases:hold-create", args=[o["case"].pk]), WORK_CASE),
    "cases:preference-state": ("post", lambda o: reverse("cases:preference-state", args=[o["case"].pk]),
                               WORK_CASE),
    "cases:hold-release": ("post", lambda o: reverse("cases:hold-release", args=[o["case"].pk, o["hold"].pk]),
                           RELEASE_HOLD),
    "cases:hold-evidence": ("get", lambda o: reverse("cases:hold-evidence", args=[o["case"].pk, o["hold"].pk]),
                            SEE_CASE),
    "cases:hold-request-evidence": ("get", lambda o: reverse("cases:hold-request-evidence",
                                                             args=[o["case"].pk, o["hold_request"].pk]), SEE_CASE),
    "cases:hold-request-decide": ("post", lambda o: reverse("cases:hold-request-decide",
                                                            args=[o["case"].pk, o["hold_request"].pk]),
                                  row(LOGIN, HIDDEN, DENIED, HIDDEN, OK, OK, DENIED, DENIED)),
    "cases:specialist": ("get", lambda o: reverse("cases:specialist"), DECIDERS),
    "cases:reveal": ("post", lambda o: reverse("cases:reveal", args=[o["case"].pk]), SEE_CASE),
    "cases:contact-point-create": ("post", lambda o: reverse("cases:contact-point-create", args=[o["case"].pk]),
                                   WORK_CASE),
    "cases:primary-number-wrong": ("post", lambda o: reverse("cases:primary-number-wrong", args=[o["case"].pk]),
                                   WORK_CASE),
    "cases:contact-point-wrong": ("post", lambda o: reverse("cases:contact-point-wrong",
                                                            args=[o["case"].pk, o["point"].pk]), WORK_CASE),
    # Anyone signed in may search; what they find is limited to the cases they may see.
    "cases:search": ("get", lambda o: reverse("cases:search"), SIGNED_IN),
    "cases:referral-create": ("post", lambda o: reverse("cases:referral-create", args=[o["case"].pk]), WORK_CASE),
    "cases:referrals": ("get", lambda o: reverse("cases:referrals"), DECIDERS),
    "cases:referral-decide": ("post", lambda o: reverse("cases:referral-decide", args=[o["referral"].pk]), DECIDERS),
    "complaints:list": ("get", lambda o: reverse("complaints:list"), COMPLAINT_DESK),
    "complaints:create": ("post", lambda o: reverse("complaints:create", args=[o["case"].pk]), WORK_CASE),
    "complaints:resolve": ("post", lambda o: reverse("complaints:resolve", args=[o["complaint"].pk]),
                           row(LOGIN, DENIED, DENIED, DENIED, OK, OK, OK, DENIED)),
    "audit:trail": ("get", lambda o: reverse("audit:trail"), AUDIT_DESK),
    "compliance:breaches": ("get", lambda o: reverse("compliance:breaches"), AUDIT_DESK),
    "compliance:breach": ("get", lambda o: reverse("compliance:breach", args=[o["breach"].pk]), AUDIT_DESK),
    # Litigation: the legal officer's pages; supervisors and managers keep them (tests/litigation for the officer).
    "litigation:queue": ("get", lambda o: reverse("litigation:queue"), DECIDERS),
    "litigation:record": ("get", lambda o: reverse("litigation:record", args=[o["litigation"].pk]), DECIDERS),
    "litigation:update": ("post", lambda o: reverse("litigation:update", args=[o["litigation"].pk]), DECIDERS),
    "litigation:milestone": ("post", lambda o: reverse("litigation:milestone", args=[o["litigation"].pk]), DECIDERS),
    "litigation:letter": ("post", lambda o: reverse("litigation:letter", args=[o["litigation"].pk]), DECIDERS),
    "litigation:ending": ("post", lambda o: reverse("litigation:ending", args=[o["litigation"].pk]), DECIDERS),
    "litigation:pack": ("post", lambda o: reverse("litigation:pack", args=[o["litigation"].pk]), DECIDERS),
    "litigation:document": ("get", lambda o: reverse("litigation:document", args=[o["litigation"].pk, 999999]),
                            row(LOGIN, DENIED, DENIED, DENIED, HIDDEN, HIDDEN, DENIED, DENIED)),
    "compliance:cardholders": ("get", lambda o: reverse("compliance:cardholders"), FILE_BUILDERS),
    "compliance:cardholder-file": ("post", lambda o: reverse("compliance:cardholder-file",
                                                             args=[o["case"].account.customer_id]), FILE_BUILDERS),
    "contacts:attempt-create": ("post", lambda o: reverse("contacts:attempt-create", args=[o["case"].pk]),
                                WORK_CASE),
    "contacts:attempt-reason": ("post", lambda o: reverse("contacts:attempt-reason", args=[o["case"].pk, 1]),
                                WORK_CASE),
    "contacts:exception-create": ("post", lambda o: reverse("contacts:exception-create", args=[o["case"].pk]),
                                  row(LOGIN, HIDDEN, DENIED, HIDDEN, OK, OK, DENIED, DENIED)),
    "visits:day": ("get", lambda o: reverse("visits:day"), row(LOGIN, DENIED, DENIED, OK, DENIED, DENIED, DENIED,
                                                                DENIED)),
    "visits:board": ("get", lambda o: reverse("visits:board"), VISIT_PLANNERS),
    "visits:auto-assign": ("post", lambda o: reverse("visits:auto-assign"), VISIT_PLANNERS),
    "visits:request-create": ("post", lambda o: reverse("visits:request-create", args=[o["case"].pk]), SEE_CASE),
    "visits:detail": ("get", lambda o: reverse("visits:detail", args=[o["visit"].pk]), SEE_VISIT),
    "visits:check-in": ("post", lambda o: reverse("visits:check-in", args=[o["visit"].pk]), SEE_VISIT),
    "visits:complete": ("post", lambda o: reverse("visits:complete", args=[o["visit"].pk]), SEE_VISIT),
    "visits:assign": ("post", lambda o: reverse("visits:assign", args=[o["visit"].pk]), VISIT_PLANNERS),
    "visits:cancel": ("post", lambda o: reverse("visits:cancel", args=[o["visit"].pk]), VISIT_PLANNERS),
    # Files exist only inside a visit the user sees; an unknown one is 404 for everyone.
    "visits:document": ("get", lambda o: reverse("visits:document", args=[o["visit"].pk, 999999]), NO_SUCH_OBJECT),
    "dashboards:home": ("get", lambda o: reverse("dashboards:home"), DASHBOARD_VIEWERS),
    "dashboards:page": ("get", lambda o: reverse("dashboards:page", args=["portfolio"]), DASHBOARD_VIEWERS),
    # One page of the same route, named apart: the self-service funnel is for the same readers.
    "dashboards:page selfservice": ("get", lambda o: reverse("dashboards:page", args=["selfservice"]),
                                    DASHBOARD_VIEWERS),
    "dashboards:reassign": ("get", lambda o: reverse("dashboards:reassign"), DASHBOARD_MANAGERS),
    "dashboards:teams": ("get", lambda o: reverse("dashboards:teams"), DASHBOARD_MANAGERS),
    "dashboards:reviews": ("get", lambda o: reverse("dashboards:reviews"), DASHBOARD_MANAGERS),
    "dashboards:policy": ("get", lambda o: reverse("dashboards:policy"), DASHBOARD_MANAGERS),
    "dashboards:policy-preview": ("get", lambda o: reverse("dashboards:policy-preview", args=[o["preview"].pk]),
                                  DASHBOARD_MANAGERS),
    "repayment_plans:approvals": ("get", lambda o: reverse("repayment_plans:approvals"), SIGNED_IN),
    "repayment_plans:promise-create": ("post", lambda o: reverse("repayment_plans:promise-create",
                                                                 args=[o["case"].pk]), WORK_CASE),
    "repayment_plans:plan-create": ("post", lambda o: reverse("repayment_plans:plan-create", args=[o["case"].pk]),
                                    WORK_CASE),
    # Plans are reached only through a case the user sees; an unknown one is 404 for everyone.
    "repayment_plans:plan-decide": ("post", lambda o: reverse("repayment_plans:plan-decide", args=[999999]),
                                    NO_SUCH_OBJECT),
    "repayment_plans:plan-agreement": ("get", lambda o: reverse("repayment_plans:plan-agreement",
                                                                args=[999999, "zh-hans"]), NO_SUCH_OBJECT),
    "repayment_plans:plan-code-send": ("post", lambda o: reverse("repayment_plans:plan-code-send", args=[999999]),
                                       NO_SUCH_OBJECT),
    "repayment_plans:plan-code-accept": ("post", lambda o: reverse("repayment_plans:plan-code-accept",
                                                                   args=[999999]), NO_SUCH_OBJECT),
    "repayment_plans:plan-signed-copy": ("post", lambda o: reverse("repayment_plans:plan-signed-copy",
                                                                   args=[999999]), NO_SUCH_OBJECT),
    # Proposing a write-off: supervisors and managers, on a case they see.
    "repayment_plans:write-off-create": ("post", lambda o: reverse("repayment_plans:write-off-create",
                                                                   args=[o["case"].pk]),
                                         row(LOGIN, HIDDEN, DENIED, HIDDEN, OK, OK, DENIED, DENIED)),
    "repayment_plans:write-off-decide": ("post", lambda o: reverse("repayment_plans:write-off-decide",
                                                                   args=[999999]), NO_SUCH_OBJECT),
    "api:accounts-batch": ("post", lambda o: reverse("api:accounts-batch"), API_CLIENTS_ONLY),
    "api:accounts-recall": ("post", lambda o: reverse("api:accounts-recall"), API_CLIENTS_ONLY),
    "api:sms-inbound": ("post", lambda o: reverse("api:sms-inbound"), API_CLIENTS_ONLY),
    "api:contact-attempts-batch": ("post", lambda o: reverse("api:contact-attempts-batch"), API_CLIENTS_ONLY),
    "api:payments-batch": ("post", lambda o: reverse("api:payments-batch"), API_CLIENTS_ONLY),
    "api:case-list": ("get", lambda o: reverse("api:case-list"), API_READ_LIST),
    "api:case-detail": ("get", lambda o: reverse("api:case-detail", args=[o["case"].pk]), API_READ_CASE),
    "api:case-contacts": ("get", lambda o: reverse("api:case-contacts", args=[o["case"].pk]), API_READ_CASE),
    "api:event-feed": ("get", lambda o: reverse("api:event-feed"), API_CLIENTS_ONLY),
    # The API's shape is for staff and its clients (a client's token is tested in test_api_docs.py).
    "api-schema": ("get", lambda o: reverse("api-schema"), API_DOCS_READERS),
    "api-docs": ("get", lambda o: reverse("api-docs"), row(LOGIN, DENIED, OK, OK, OK, OK, OK, OK)),
    "selfservice-staff:upload": ("get", lambda o: reverse("selfservice-staff:upload", args=[999999]),
                                 NO_SUCH_OBJECT),
    "selfservice-staff:revoke": ("post", lambda o: reverse("selfservice-staff:revoke", args=[o["case"].pk]),
                                 WORK_CASE),
    "selfservice:enter": ("get", lambda o: reverse("selfservice:enter", args=["x" * 22]), MY_WAY_IN),
    "selfservice:link-invalid": ("get", lambda o: reverse("selfservice:link-invalid"), MY_WAY_IN),
    "selfservice:signed-out": ("get", lambda o: reverse("selfservice:signed-out"), MY_WAY_IN),
    "selfservice:verify": ("get", lambda o: reverse("selfservice:verify"), MY_WAY_IN),
    "selfservice:code": ("get", lambda o: reverse("selfservice:code"), MY_WAY_IN),
    "selfservice:code-resend": ("post", lambda o: reverse("selfservice:code-resend"), MY_WAY_IN),
    # Signing out always ends on the cardholder's signed-out page.
    "selfservice:sign-out": ("post", lambda o: reverse("selfservice:sign-out"),
                             row(MY_OUT, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, cardholder=MY_OUT)),
    "selfservice:language": ("post", lambda o: reverse("selfservice:language"), MY_WAY_IN),
    "selfservice:home": ("get", lambda o: reverse("selfservice:home"), MY_PAGE),
    "selfservice:preferences": ("get", lambda o: reverse("selfservice:preferences"), MY_PAGE),
    "selfservice:case": ("get", lambda o: reverse("selfservice:case", args=[o["case"].pk]), MY_PAGE),
    "selfservice:promise": ("get", lambda o: reverse("selfservice:promise", args=[o["case"].pk]), MY_PAGE),
    "selfservice:dispute": ("get", lambda o: reverse("selfservice:dispute", args=[o["case"].pk]), MY_PAGE),
    "selfservice:callback": ("get", lambda o: reverse("selfservice:callback", args=[o["case"].pk]), MY_PAGE),
    "selfservice:hardship": ("get", lambda o: reverse("selfservice:hardship", args=[o["case"].pk]), MY_PAGE),
    "selfservice:letter": ("get", lambda o: reverse("selfservice:letter", args=[o["case"].pk, 999999]),
                           MY_NO_SUCH_OBJECT),
    "selfservice:agreement": ("get", lambda o: reverse("selfservice:agreement", args=[o["case"].pk, 999999]),
                              MY_NO_SUCH_OBJECT),
    "selfservice:offers": ("get", lambda o: reverse("selfservice:offers", args=[o["case"].pk]), MY_PAGE),
    "selfservice:offer": ("get", lambda o: reverse("selfservice:offer", args=[o["case"].pk, 999999]),
                          MY_NO_SUCH_OBJECT),
    "selfservice:plan-request": ("get", lambda o: reverse("selfservice:plan-request", args=[o["case"].pk]), MY_PAGE),
}


def named_urls(patterns=None, namespace=None):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # Django's admin guards itself: staff flag and model permissions
            inner = ":".join(n for n in [namespace, pattern.namespace] if n) or None
            yield from named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_named_url_has_a_row():
    assert sorted(set(named_urls()) - set(MATRIX)) == []


def classify(response) -> str:
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return LOGIN
    if response.status_code == 302 and response["Location"] == reverse("selfservice:signed-out"):
        return MY_OUT
    return {401: UNAUTH, 403: DENIED, 404: HIDDEN}.get(response.status_code, OK)


@pytest.fixture
def objects(team, agent, field_agent, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}
    case = CaseFactory(assigned_team=team)
    hold = case_hold_place(case=case, kind=HoldKind.DECEASED, actor=agent, reason="notice received",
                           evidence_file=SimpleUploadedFile("certificate.pdf", b"%PDF-1.4\n%%EOF\n"))
    hold_request = hold_request_create(case=case, kind=HoldKind.HARDSHIP, cause="medical", actor=agent,
                                       until=timezone.localdate() + dt.timedelta(days=10), reason="In hospital.",
                                       evidence_file=SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n"))
    complaint = complaint_open(case=case, kind="complaint", channel="phone", category="conduct",
                               description="raised voice", actor=agent)
    visit = assigned_visit(CaseFactory(assigned_team=team), field_agent)
    referral = referral_raise(case=CaseFactory(assigned_team=team), actor=agent, reason="fee waiver above my limit")
    preview = PolicyPreview.objects.create(policy=Policy.objects.get(is_default=True), definition={},
                                           as_of=timezone.now())
    breach = ContactAttempt.objects.create(case=case, channel="call", actor=agent, actor_label="agent",
                                           result="no_answer", breached_rules=["hours"])
    point = ContactPoint.objects.create(customer=case.account.customer, kind="emergency", phone="13700001111")
    litigation = litigation_open(case=CaseFactory(assigned_team=team, stage=Stage.LEGAL), actor="system")
    agency = agency_create(name="安信催收有限公司", licence="沪金催字 2026-018", actor="system")
    TemplateSet.objects.create(agency=agency, version=1, texts={"sms": {"zh-hans": "您好", "en": "Hello"}},
                               created_by=agent)
    return {"litigation": litigation, "agency": agency,
            "case": case, "hold": hold, "hold_request": hold_request, "complaint": complaint, "referral": referral,
            "visit": visit, "preview": preview, "breach": breach, "point": point}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_role_against_url(name, role, request, client, objects, agent, supervisor):
    method, build, expected = MATRIX[name]
    if role == "cardholder":
        # Signed in on their own page as the cardholder of the objects' case (selfservice.identity).
        link, _token = link_create(customer=objects["case"].account.customer)
        client.cookies[COOKIE_NAME] = session_start(link=link, ip_address=None)[1]
    elif role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    client.raise_request_exception = True
    response = getattr(client, method)(build(objects), HTTP_ACCEPT="text/html,application/json")
    assert classify(response) == expected[role], (response.status_code, response.get("Location"))
