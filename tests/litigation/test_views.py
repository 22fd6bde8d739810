import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases.lifecycle import Outcome, Stage
from litigation.models import MilestoneKind
from staff.models import StaffProfile
from tests.factories import CaseFactory

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def signed_in(client, legal_officer):
    client.force_login(legal_officer)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_record_page_opens_for_the_legal_officer(client, legal_officer, record, language):
    StaffProfile.objects.filter(user=legal_officer).update(language=language)
    client.force_login(legal_officer)
    page = client.get(reverse("litigation:record", args=[record.pk]))
    assert page.status_code == 200
    assert ("Build the lawyer's pack" if language == "en" else "生成律师材料包") in page.content.decode()


@pytest.mark.django_db
def test_a_milestone_with_its_document_is_recorded_from_the_page(signed_in, record):
    response = signed_in.post(reverse("litigation:milestone", args=[record.pk]), {
        "milestone-kind": MilestoneKind.FILED, "milestone-on": timezone.localdate().isoformat(),
        "milestone-note": "Filed.", "milestone-documents": SimpleUploadedFile("receipt.pdf", PDF)})
    assert response.status_code == 302
    milestone = record.milestones.get()
    assert milestone.kind == MilestoneKind.FILED and milestone.documents.count() == 1
    document = milestone.documents.get()
    served = signed_in.get(reverse("litigation:document", args=[record.pk, document.pk]))
    assert served.status_code == 200 and served["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_a_refused_milestone_shows_the_error_beside_the_field_and_keeps_what_was_typed(signed_in, record):
    response = signed_in.post(reverse("litigation:milestone", args=[record.pk]), {
        "milestone-kind": MilestoneKind.JUDGMENT, "milestone-on": timezone.localdate().isoformat(),
        "milestone-note": "Judgment handed down."})
    body = response.content.decode()
    assert response.status_code == 400 and 'id="id_milestone-amount_error"' in body and "Judgment handed down." in body
    assert not record.milestones.exists()


@pytest.mark.django_db
def test_judgment_paid_from_the_page_closes_the_case_as_settled(signed_in, record):
    response = signed_in.post(reverse("litigation:ending", args=[record.pk]), {
        "ending-way": "judgment_paid", "ending-on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    record.case.refresh_from_db()
    assert (record.case.stage, record.case.outcome) == (Stage.CLOSED, Outcome.SETTLED)


@pytest.mark.django_db
def test_withdrawing_without_a_reason_is_answered_beside_the_reason(signed_in, record):
    response = signed_in.post(reverse("litigation:ending", args=[record.pk]), {
        "ending-way": "withdrawn", "ending-on": timezone.localdate().isoformat(), "ending-reason": ""})
    assert response.status_code == 400 and 'id="id_ending-reason_error"' in response.content.decode()
    record.case.refresh_from_db()
    assert record.case.stage == Stage.LEGAL


@pytest.mark.django_db
def test_an_uncollectable_record_says_a_write_off_is_to_be_proposed(signed_in, record):
    signed_in.post(reverse("litigation:ending", args=[record.pk]), {
        "ending-way": "uncollectable", "ending-on": timezone.localdate().isoformat(), "ending-reason": "No assets."})
    page = signed_in.get(reverse("litigation:record", args=[record.pk])).content.decode()
    assert 'id="write-off-due"' in page


@pytest.mark.django_db
def test_the_legal_officer_may_not_open_a_case_outside_litigation_nor_the_agents_queue(signed_in, team):
    other = CaseFactory(assigned_team=team)
    assert signed_in.get(reverse("cases:detail", args=[other.pk])).status_code == 404
    assert signed_in.get(reverse("cases:queue")).status_code == 403


@pytest.mark.django_db
def test_the_case_page_shows_the_litigation_panel_with_a_link_to_the_record(client, supervisor, record):
    client.force_login(supervisor)
    page = client.get(reverse("cases:detail", args=[record.case_id])).content.decode()
    assert reverse("litigation:record", args=[record.pk]) in page


@pytest.mark.django_db
def test_an_agent_is_refused_the_record_page(client, agent, record):
    client.force_login(agent)
    assert client.get(reverse("litigation:record", args=[record.pk])).status_code == 403


@pytest.mark.django_db
def test_an_uncollectable_record_names_the_write_off_it_raised(signed_in, record):
    from repayment_plans.models import WriteOff

    response = signed_in.post(reverse("litigation:ending", args=[record.pk]), {
        "ending-way": "uncollectable", "ending-on": timezone.localdate().isoformat(), "ending-reason": "No assets."},
        follow=True)
    [write_off] = WriteOff.objects.filter(case=record.case)
    assert f"Write-off #{write_off.pk} of 10225.50 CNY proposed." in response.content.decode()
    page = signed_in.get(reverse("litigation:record", args=[record.pk])).content.decode()
    assert f"Found uncollectable: write-off #{write_off.pk} proposed (Awaiting approval)." in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_when_no_write_off_can_be_raised_the_legal_officer_is_told_why(signed_in, legal_officer, record, language):
    from audit.models import AuditRecord
    from cases.models import Case
    from repayment_plans.models import WriteOff

    StaffProfile.objects.filter(user=legal_officer).update(language=language)
    # Beyond every role's write-off limit: the proposal is refused.
    Case.objects.filter(pk=record.case_id).update(principal_overdue="9000000.00")
    response = signed_in.post(reverse("litigation:ending", args=[record.pk]), {
        "ending-way": "uncollectable", "ending-on": timezone.localdate().isoformat(), "ending-reason": "No assets."},
        follow=True)
    assert not WriteOff.objects.filter(case=record.case).exists()
    record.refresh_from_db()
    assert record.progress == MilestoneKind.UNCOLLECTABLE  # the milestone stands
    audit = AuditRecord.objects.get(action="litigation.write_off_not_raised", case_id=record.case_id)
    assert audit.changes["code"] == "beyond_authority" and audit.actor == legal_officer
    assert "is beyond every role's write-off limit in CNY" in audit.reason
    shown = response.content.decode()
    page = signed_in.get(reverse("litigation:record", args=[record.pk])).content.decode()
    if language == "en":
        assert "Recorded as uncollectable, but no write-off proposal was raised: 9000225.50 CNY is beyond" in shown
        assert "Found uncollectable, but no write-off proposal was raised:" in page
    else:
        assert "已记录为无法收回，但未能提出核销申请：" in shown
        assert "已认定无法收回，但未能提出核销申请：" in page
    assert 'id="write-off-refusal"' in page and "9000225.50" in page
