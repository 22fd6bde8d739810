import pytest
from django.urls import reverse

from audit.models import AuditRecord
from cases.lifecycle import HoldKind
from cases.models import CaseHold, CaseNote
from cases.services import case_hold_place
from tests.factories import CaseFactory
from tests.feedback import case_page_after, htmx_from, messages_of

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def case(team):
    return CaseFactory(assigned_team=team)


def test_an_agent_adds_a_note_and_the_page_says_so_with_the_new_timeline(client, agent, case):
    client.force_login(agent)
    url = reverse("cases:detail", args=[case.pk])
    response = client.post(reverse("cases:note-create", args=[case.pk]), {"body": "Cardholder asked for a callback"},
                           **htmx_from(url))
    page = case_page_after(client, response, case)
    assert "Note saved." in messages_of(page)
    assert "Cardholder asked for a callback" in page[page.index('id="timeline"'):]
    note = CaseNote.objects.get(case=case)
    assert note.author == agent
    assert AuditRecord.objects.filter(action="case.note_added", case_id=case.pk, actor=agent).exists()


def test_an_empty_note_is_refused_beside_the_field_and_nothing_is_written(client, agent, case):
    client.force_login(agent)
    response = client.post(reverse("cases:note-create", args=[case.pk]), {"body": "  "}, **HTMX)
    body = response.content.decode()
    assert 'id="id_body_error"' in body
    assert not CaseNote.objects.exists()


def test_without_javascript_a_note_posts_and_redirects_back_to_the_case(client, agent, case):
    client.force_login(agent)
    response = client.post(reverse("cases:note-create", args=[case.pk]), {"body": "left a message"})
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])


def test_notes_cannot_be_added_to_a_case_outside_the_users_scope(client, other_agent, case):
    client.force_login(other_agent)
    response = client.post(reverse("cases:note-create", args=[case.pk]), {"body": "x"})
    assert response.status_code == 404
    assert not CaseNote.objects.exists()


def test_an_agent_records_a_do_not_contact_request_as_an_active_hold(client, agent, case):
    client.force_login(agent)
    response = client.post(reverse("cases:hold-create", args=[case.pk]),
                           {"kind": HoldKind.DO_NOT_CONTACT, "reason": "asked in writing not to be called"},
                           **htmx_from(reverse("cases:detail", args=[case.pk])))
    assert CaseHold.objects.get(case=case).kind == HoldKind.DO_NOT_CONTACT
    page = case_page_after(client, response, case)
    assert "Hold placed: Do-not-contact request." in messages_of(page)
    assert "asked in writing not to be called" in page
    # The contact panel changed too: the hold stops calls, and the reloaded page says so.
    assert 'class="verdict no"' in page


def test_a_second_hold_of_the_same_kind_is_refused_beside_the_field(client, agent, case):
    case_hold_place(case=case, kind=HoldKind.DECEASED, actor=agent, reason="first", evidence_reference="DC-1")
    client.force_login(agent)
    body = client.post(reverse("cases:hold-create", args=[case.pk]),
                       {"kind": HoldKind.DECEASED, "reason": "again",
                        "evidence_reference": "DC-2"}, **HTMX).content.decode()
    assert 'id="id_kind_error"' in body
    assert CaseHold.objects.filter(case=case).count() == 1


def test_disputes_are_not_raised_through_the_plain_hold_form(client, agent, case):
    client.force_login(agent)
    body = client.post(reverse("cases:hold-create", args=[case.pk]),
                       {"kind": HoldKind.DISPUTE, "reason": "x"}, **HTMX).content.decode()
    assert 'id="id_kind_error"' in body
    assert not CaseHold.objects.exists()


def test_agents_cannot_release_holds_but_supervisors_can(client, agent, supervisor, case):
    hold = case_hold_place(case=case, kind=HoldKind.BANKRUPTCY, actor=agent, reason="court notice received",
                           evidence_reference="Court notice 2026-17")
    url = reverse("cases:hold-release", args=[case.pk, hold.pk])

    client.force_login(agent)
    assert client.post(url, {"reason": "resolved"}).status_code == 403
    client.force_login(supervisor)
    assert client.post(url, {"reason": "notice withdrawn by the court"}, **HTMX).status_code == 200

    hold.refresh_from_db()
    assert hold.released_by == supervisor


class TestReveal:
    def test_revealing_a_field_needs_a_reason_and_writes_an_audit_record(self, client, agent, case):
        client.force_login(agent)
        url = reverse("cases:reveal", args=[case.pk])
        national_id = case.account.customer.national_id

        refused = client.post(url, {"field": "national_id", "reason": ""}, **HTMX).content.decode()
        assert national_id not in refused and "reveal-national_id-error" in refused
        assert not AuditRecord.objects.filter(action="personal_data.reveal").exists()

        shown = client.post(url, {"field": "national_id", "reason": "verify identity on call"}, **HTMX)
        assert national_id in shown.content.decode()
        record = AuditRecord.objects.get(action="personal_data.reveal")
        assert (record.actor, record.case_id, record.changes, record.reason) == (
            agent, case.pk, {"field": "national_id"}, "verify identity on call")

    def test_the_case_page_shows_personal_data_masked(self, client, agent, case):
        client.force_login(agent)
        body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        customer = case.account.customer
        assert customer.national_id not in body and customer.phone not in body
        assert case.account.account_number not in body


@pytest.mark.parametrize("role", ["compliance", "admin_user", "field_agent", "agent", "supervisor"])
def test_every_form_on_the_case_page_is_one_its_reader_may_use(request, client, team, role):
    """Each form shown answers its reader with something other than 403, so no form is there for show."""
    import re

    from cases.lifecycle import Stage
    from cases.services import case_transition
    from core.actors import SYSTEM
    from repayment_plans.models import PlanStatus
    from tests.repayment_plans.helpers import propose

    user = request.getfixturevalue(role)
    agent = request.getfixturevalue("agent")
    case = case_transition(case=CaseFactory(assigned_team=team), to=Stage.CONTACT, actor=SYSTEM, reason="First.")
    plan = propose(case, agent, count=3)
    assert plan.status == PlanStatus.APPROVED
    case_hold_place(case=case, kind=HoldKind.LEGAL_HOLD, actor=agent, reason="court order")
    client.force_login(user)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    actions = set(re.findall(r'<form method="post" action="([^"]+)"', page))
    shown = {action for action in actions if action.startswith(("/cases/", "/repayment-plans/", "/contacts/",
                                                                "/complaints/", "/visits/"))}
    for action in shown:
        assert client.post(action, {}).status_code != 403, (role, action)
    if role == "compliance":
        assert reverse("repayment_plans:promise-create", args=[case.pk]) not in actions
        assert reverse("repayment_plans:plan-create", args=[case.pk]) not in actions
        assert reverse("repayment_plans:plan-code-send", args=[plan.pk]) not in actions
    if role == "agent":
        assert reverse("repayment_plans:promise-create", args=[case.pk]) in actions


def test_a_refused_hold_release_keeps_the_reason_typed(client, supervisor, case, monkeypatch):
    from cases import views
    from core.errors import DomainError

    hold = case_hold_place(case=case, kind=HoldKind.LEGAL_HOLD, actor=supervisor, reason="court order")

    def refuse(**kwargs):
        raise DomainError("The hold was released meanwhile.", code="conflict")

    monkeypatch.setattr(views, "case_hold_release", refuse)
    client.force_login(supervisor)
    response = client.post(reverse("cases:hold-release", args=[case.pk, hold.pk]), {"reason": "order lifted"},
                           **HTMX)
    body = response.content.decode()
    assert 'value="order lifted"' in body and f'id="release-{hold.pk}-error"' in body


def test_a_refused_reveal_keeps_the_reason_typed(client, agent, case, monkeypatch):
    from cases import views
    from core.errors import DomainError

    def refuse(**kwargs):
        raise DomainError("Say why in a few more words.", code="reason_short")

    monkeypatch.setattr(views, "case_personal_data_reveal", refuse)
    client.force_login(agent)
    body = client.post(reverse("cases:reveal", args=[case.pk]), {"field": "national_id", "reason": "check"},
                       **HTMX).content.decode()
    assert 'value="check"' in body and "Say why in a few more words." in body
