"""The holds on the case page, the queue and the supervisors' specialist queue."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from audit.models import AuditRecord
from cases.holds import case_hold_place, hold_request_create
from cases.lifecycle import HoldKind
from cases.models import CaseHold, HoldRequest
from tests.factories import CaseFactory
from tests.feedback import case_page_after, htmx_from, messages_of

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def case(team, agent):
    return CaseFactory(assigned_team=team, assigned_agent=agent)


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}


def today():
    return timezone.localdate()


def test_an_agent_requests_hardship_with_an_upload_and_the_case_page_shows_it_awaiting_approval(
        client, agent, case, media):
    client.force_login(agent)
    until = today() + dt.timedelta(days=20)
    url = reverse("cases:detail", args=[case.pk])
    response = client.post(reverse("cases:hold-create", args=[case.pk]), {
        "kind": HoldKind.HARDSHIP, "cause": "medical", "until": until.isoformat(), "reason": "In hospital until March.",
        "evidence_file": SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")}, **htmx_from(url))
    page = case_page_after(client, response, case)
    assert "Hardship (Medical) requested until" in messages_of(page)
    assert "Awaiting a supervisor's approval" in page
    request = HoldRequest.objects.get(case=case)
    assert request.evidence_content_type == "application/pdf" and not CaseHold.objects.exists()
    # An agent sees the request, not the buttons that decide it.
    assert reverse("cases:hold-request-decide", args=[case.pk, request.pk]) not in page
    evidence = client.get(reverse("cases:hold-request-evidence", args=[case.pk, request.pk]))
    assert evidence.status_code == 200 and b"".join(evidence.streaming_content) == PDF
    assert AuditRecord.objects.filter(action="case.hold_evidence_viewed", case_id=case.pk, actor=agent).exists()


def test_a_hold_form_without_evidence_is_refused_beside_the_field_and_keeps_what_was_typed(client, agent, case):
    client.force_login(agent)
    body = client.post(reverse("cases:hold-create", args=[case.pk]),
                       {"kind": HoldKind.DECEASED, "reason": "Son called to say he died."},
                       HTTP_HX_REQUEST="true").content.decode()
    assert 'id="id_evidence_file_error"' in body and "needs evidence" in body
    assert "Son called to say he died." in body
    assert not CaseHold.objects.exists()


def test_a_too_long_breathing_space_is_refused_beside_the_end_date(client, agent, case):
    client.force_login(agent)
    body = client.post(reverse("cases:hold-create", args=[case.pk]), {
        "kind": HoldKind.BREATHING_SPACE, "until": (today() + dt.timedelta(days=90)).isoformat(),
        "evidence_reference": "Insolvency Service BS-991", "reason": "Debt adviser's notice."},
        HTTP_HX_REQUEST="true").content.decode()
    assert 'id="id_until_error"' in body and "at most 60 days" in body


def test_a_supervisor_approves_on_the_case_page_and_the_page_and_queue_show_when_the_hold_ends(
        client, agent, supervisor, case):
    until = today() + dt.timedelta(days=14)
    request = hold_request_create(case=case, kind=HoldKind.HARDSHIP, cause="disaster", actor=agent, until=until,
                                  evidence_reference="Flood report 2026-88", reason="House flooded.")
    client.force_login(supervisor)
    url = reverse("cases:detail", args=[case.pk])
    response = client.post(reverse("cases:hold-request-decide", args=[case.pk, request.pk]),
                           {"decision": "approve", "until": until.isoformat(), "note": "Report checked."},
                           **htmx_from(url))
    page = case_page_after(client, response, case)
    shown = date_format(until, "SHORT_DATE_FORMAT")
    assert "Hold approved: Hardship (Disaster)" in messages_of(page)
    assert f"until {shown}" in page[page.index('id="holds-panel"'):]

    client.force_login(agent)
    queue = client.get(reverse("cases:queue")).content.decode()
    on_hold = queue[queue.index('id="h-on-hold"'):]
    assert f"#{case.pk}" in on_hold and f"after {shown}" in on_hold


def test_an_agent_cannot_decide_a_request(client, agent, case):
    request = hold_request_create(case=case, kind=HoldKind.HARDSHIP, cause="medical", actor=agent,
                                  until=today() + dt.timedelta(days=5), evidence_reference="E-1", reason="Ill.")
    client.force_login(agent)
    response = client.post(reverse("cases:hold-request-decide", args=[case.pk, request.pk]), {"decision": "approve"})
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == HoldRequest.Status.PENDING


def test_a_refusal_without_a_note_is_shown_beside_the_request(client, agent, supervisor, case):
    request = hold_request_create(case=case, kind=HoldKind.HARDSHIP, cause="medical", actor=agent,
                                  until=today() + dt.timedelta(days=5), evidence_reference="E-1", reason="Ill.")
    client.force_login(supervisor)
    body = client.post(reverse("cases:hold-request-decide", args=[case.pk, request.pk]),
                       {"decision": "refuse", "note": ""}, HTTP_HX_REQUEST="true").content.decode()
    assert f'id="decide-{request.pk}-error"' in body and "A reason is required." in body


def test_deceased_and_bankruptcy_cases_go_to_the_specialist_queue_of_their_supervisors(
        client, agent, supervisor, other_team, case):
    from staff.models import Role
    from tests.factories import staff_user

    case_hold_place(case=case, kind=HoldKind.DECEASED, actor=agent, reason="Death certificate received.",
                    evidence_reference="DC-2026-1")
    elsewhere = CaseFactory(assigned_team=other_team)
    case_hold_place(case=elsewhere, kind=HoldKind.BANKRUPTCY, actor=agent, reason="Court notice.",
                    evidence_reference="Court 17")
    plain = CaseFactory(assigned_team=case.assigned_team)
    case_hold_place(case=plain, kind=HoldKind.LEGAL_HOLD, actor=agent, reason="Court order.")
    url = reverse("cases:specialist")

    client.force_login(supervisor)
    page = client.get(url).content.decode()
    assert 'href="/cases/specialist/"' in page  # the menu link
    listed = page[page.index('id="h-specialist"'):]
    assert f"/cases/{case.pk}/" in listed
    assert f"/cases/{elsewhere.pk}/" not in listed and f"/cases/{plain.pk}/" not in listed

    other_supervisor = staff_user(Role.SUPERVISOR, other_team, user__username="supervisor-south")
    client.force_login(other_supervisor)
    assert f"/cases/{elsewhere.pk}/" in client.get(url).content.decode()

    client.force_login(agent)
    assert client.get(url).status_code == 403
    assert 'href="/cases/specialist/"' not in client.get(reverse("cases:queue")).content.decode()


def test_the_specialist_queue_lists_requests_awaiting_approval(client, agent, supervisor, case):
    hold_request_create(case=case, kind=HoldKind.BREATHING_SPACE, actor=agent, until=today() + dt.timedelta(days=60),
                        evidence_reference="BS-1", reason="Adviser's notice.")
    client.force_login(supervisor)
    page = client.get(reverse("cases:specialist")).content.decode()
    requests = page[page.index('id="h-requests"'):page.index('id="h-specialist"')]
    assert f"#{case.pk}" in requests and "Breathing space" in requests


def test_the_queue_says_a_hold_without_an_end_lasts_until_it_is_released(client, agent, case):
    case_hold_place(case=case, kind=HoldKind.LEGAL_HOLD, actor=agent, reason="Court order.")
    client.force_login(agent)
    queue = client.get(reverse("cases:queue")).content.decode()
    on_hold = queue[queue.index('id="h-on-hold"'):]
    assert f"#{case.pk}" in on_hold and "when released" in on_hold
