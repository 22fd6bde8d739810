import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditRecord
from cases.lifecycle import HoldKind
from cases.models import CaseHold
from cases.selectors import case_active_holds
from complaints.models import Complaint, Status
from complaints.selectors import complaints_open
from complaints.services import complaint_open, complaint_resolve
from core.errors import DomainError
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(team):
    return CaseFactory(assigned_team=team)


def open_complaint(case, actor, **kwargs):
    values = {"kind": "complaint", "channel": "phone", "category": "conduct",
              "description": "Collector raised his voice"} | kwargs
    return complaint_open(case=case, actor=actor, **values)


def test_a_complaint_holds_the_case_until_it_is_resolved(case, agent, supervisor):
    complaint = open_complaint(case, agent)
    assert [h.kind for h in case_active_holds(case=case)] == [HoldKind.COMPLAINT]

    complaint_resolve(complaint=complaint, resolution="Apologised; collector retrained", actor=supervisor)

    assert not case_active_holds(case=case).exists()
    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolved_by) == (Status.RESOLVED, supervisor)
    assert AuditRecord.objects.filter(action="complaint.resolved", case_id=case.pk).exists()


def test_the_sla_due_date_follows_the_kind(case, agent, settings):
    received = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    complaint = open_complaint(case, agent, received_at=received)
    dispute = open_complaint(case, agent, kind="dispute", category="amount", received_at=received)
    assert complaint.sla_due_at == received + dt.timedelta(days=settings.COMPLAINT_SLA_DAYS)
    assert dispute.sla_due_at == received + dt.timedelta(days=settings.DISPUTE_SLA_DAYS)


def test_two_open_complaints_share_one_hold_released_only_when_both_are_resolved(case, agent, supervisor):
    first = open_complaint(case, agent)
    second = open_complaint(case, agent, category="contact_frequency", description="Too many calls")
    assert first.hold_id == second.hold_id
    assert CaseHold.objects.filter(case=case).count() == 1

    complaint_resolve(complaint=first, resolution="Answered", actor=supervisor)
    assert case_active_holds(case=case).exists()
    complaint_resolve(complaint=second, resolution="Call limits explained", actor=supervisor)
    assert not case_active_holds(case=case).exists()


@pytest.mark.parametrize(("field", "value"), [("kind", "rumour"), ("channel", "pigeon"), ("category", "x"),
                                              ("description", "  ")])
def test_bad_input_is_refused_and_nothing_is_written(case, agent, field, value):
    with pytest.raises(DomainError) as error:
        open_complaint(case, agent, **{field: value})
    assert error.value.field == field
    assert not Complaint.objects.exists() and not CaseHold.objects.exists()


def test_a_resolution_is_required_and_a_resolved_entry_stays_resolved(case, agent, supervisor):
    complaint = open_complaint(case, agent)
    with pytest.raises(DomainError):
        complaint_resolve(complaint=complaint, resolution=" ", actor=supervisor)
    complaint_resolve(complaint=complaint, resolution="done", actor=supervisor)
    with pytest.raises(DomainError):
        complaint_resolve(complaint=complaint, resolution="again", actor=supervisor)


def test_open_entries_are_listed_for_those_who_may_see_the_case(case, agent, supervisor, other_team, compliance):
    mine = open_complaint(case, agent)
    open_complaint(CaseFactory(assigned_team=other_team), agent)
    assert list(complaints_open(user=supervisor)) == [mine]
    assert complaints_open(user=compliance).count() == 2


class TestPages:
    def test_an_agent_registers_a_dispute_from_the_case_page(self, client, agent, case):
        client.force_login(agent)
        response = client.post(reverse("complaints:create", args=[case.pk]),
                               {"kind": "dispute", "channel": "phone", "category": "fees",
                                "description": "Annual fee was waived in 2025"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        complaint = Complaint.objects.get(case=case)
        assert complaint.kind == "dispute" and complaint.opened_by == agent

    def test_a_missing_description_shows_beside_the_field(self, client, agent, case):
        client.force_login(agent)
        body = client.post(reverse("complaints:create", args=[case.pk]),
                           {"kind": "dispute", "channel": "phone", "category": "fees", "description": ""},
                           HTTP_HX_REQUEST="true").content.decode()
        assert 'id="cf-description_error"' in body
        assert not Complaint.objects.exists()

    def test_compliance_sees_open_entries_with_their_age_and_agents_may_not(self, client, agent, compliance, case):
        complaint = open_complaint(case, agent, received_at=timezone.now() - dt.timedelta(days=3))
        client.force_login(agent)
        assert client.get(reverse("complaints:list")).status_code == 403
        client.force_login(compliance)
        page = client.get(reverse("complaints:list")).context["page"]
        assert [(c, c.age_days) for c in page] == [(complaint, 3)]

    def test_the_register_shows_resolved_entries_after_open_ones_and_filters_them(
            self, client, agent, supervisor, compliance, case):
        resolved = open_complaint(case, agent, description="Collector was rude on the phone")
        complaint_resolve(complaint=resolved, resolution="Apologised; collector retrained", actor=supervisor)
        still_open = open_complaint(CaseFactory(assigned_team=case.assigned_team), agent,
                                    description="Fee charged twice")
        client.force_login(compliance)
        page = client.get(reverse("complaints:list")).context["page"]
        assert list(page) == [still_open, resolved]
        body = client.get(reverse("complaints:list"), {"status": "resolved"}).content.decode()
        assert f'id="complaint-{resolved.pk}"' in body and "collector retrained" in body
        assert f'id="complaint-{still_open.pk}"' not in body
        found = client.get(reverse("complaints:list"), {"q": "retrained"}).context["page"]
        assert list(found) == [resolved]
        by_case = client.get(reverse("complaints:list"), {"q": f"#{still_open.case_id}"}).context["page"]
        assert list(by_case) == [still_open]

    def test_the_register_downloads_as_csv_with_the_same_filters_and_the_export_is_audited(
            self, client, agent, supervisor, compliance, case):
        import csv
        import io

        from audit.models import AuditRecord

        resolved = open_complaint(case, agent, description="=HYPERLINK(\"http://x\")")
        complaint_resolve(complaint=resolved, resolution="Refunded", actor=supervisor)
        open_complaint(CaseFactory(assigned_team=case.assigned_team), agent)
        client.force_login(compliance)
        response = client.get(reverse("complaints:list"), {"status": "resolved", "export": "csv"})
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][:3] == ["Entry", "Kind", "Case"] and len(rows) == 2
        assert rows[1][0] == str(resolved.pk) and "Refunded" in rows[1]
        # A description a spreadsheet would run as a formula is written as text.
        assert "'=HYPERLINK(\"http://x\")" in rows[1]
        assert AuditRecord.objects.filter(action="complaints.exported", actor=compliance).exists()

    def test_the_register_pages_fifty_at_a_time(self, client, agent, compliance, case):
        for _ in range(51):
            open_complaint(CaseFactory(assigned_team=case.assigned_team), agent)
        client.force_login(compliance)
        first = client.get(reverse("complaints:list"))
        assert len(first.context["page"]) == 50 and "page=2" in first.content.decode()
        assert len(client.get(reverse("complaints:list"), {"page": 2}).context["page"]) == 1

    def test_a_supervisor_resolves_from_the_register(self, client, agent, supervisor, case):
        complaint = open_complaint(case, agent)
        client.force_login(supervisor)
        response = client.post(reverse("complaints:resolve", args=[complaint.pk]), {"resolution": "Refunded fee"},
                               follow=True)
        assert response.redirect_chain[-1][0] == reverse("complaints:list")
        assert f"#{complaint.pk} resolved; its hold on case #{case.pk} is released." in response.content.decode()
        complaint.refresh_from_db()
        assert complaint.status == Status.RESOLVED
