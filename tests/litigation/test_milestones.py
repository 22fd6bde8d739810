import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditRecord
from core.errors import DomainError, Forbidden
from events.models import Event, EventType
from litigation.models import MilestoneDocument, MilestoneKind
from litigation.services import litigation_record_update, milestone_record

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
TODAY = dt.date(2026, 12, 1)
NOW = dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.UTC)


def events(record):
    return list(Event.objects.filter(case=record.case, type=EventType.LITIGATION_MILESTONE).order_by("id"))


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "amount"), [
    (MilestoneKind.FILED, None), (MilestoneKind.HEARING, None), (MilestoneKind.JUDGMENT, Decimal("10225.50")),
    (MilestoneKind.ENFORCEMENT_APPLIED, None), (MilestoneKind.ENFORCEMENT_RECOVERED, Decimal("3000.00")),
])
def test_each_milestone_is_recorded_and_reported_to_the_core_system(record, legal_officer, kind, amount):
    milestone = milestone_record(record=record, actor=legal_officer, kind=kind, on=TODAY, amount=amount,
                                 note="per the court's notice", at=NOW)
    assert (milestone.kind, milestone.on, milestone.amount, milestone.currency) == (kind, TODAY, amount, "CNY")
    [event] = events(record)
    assert event.payload["kind"] == kind and event.payload["date"] == "2026-12-01"
    assert event.payload["milestone_id"] == milestone.pk and event.payload["record_id"] == record.pk
    assert event.payload.get("amount") == (str(amount) if amount else None)
    assert AuditRecord.objects.filter(action="litigation.milestone_recorded", case_id=record.case_id).exists()


@pytest.mark.django_db
def test_a_judgment_and_a_recovery_need_an_amount_and_a_filing_takes_none(record, legal_officer):
    with pytest.raises(DomainError) as missing:
        milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.JUDGMENT, on=TODAY, at=NOW)
    assert missing.value.field == "amount"
    with pytest.raises(DomainError):
        milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.ENFORCEMENT_RECOVERED, on=TODAY,
                         amount=Decimal("0"), at=NOW)
    with pytest.raises(DomainError):
        milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.FILED, on=TODAY,
                         amount=Decimal("5"), at=NOW)
    assert events(record) == []


@pytest.mark.django_db
def test_only_a_hearing_may_be_dated_ahead(record, legal_officer):
    ahead = timezone.localdate() + dt.timedelta(days=30)
    milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.HEARING, on=ahead)
    with pytest.raises(DomainError) as refused:
        milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.FILED, on=ahead)
    assert refused.value.code == "future_date"


def test_a_hearing_years_ahead_or_a_milestone_before_the_debt_is_a_slip(record, legal_officer):
    far = timezone.localdate() + dt.timedelta(days=731)
    with pytest.raises(DomainError) as refused:
        milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.HEARING, on=far)
    assert (refused.value.code, refused.value.field) == ("too_far_ahead", "on")
    before = record.case.overdue_since - dt.timedelta(days=1)
    with pytest.raises(DomainError) as refused:
        milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.FILED, on=before)
    assert refused.value.code == "before_overdue" and str(record.case.overdue_since) in str(refused.value)
    assert not record.milestones.exists()
    milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.FILED, on=record.case.overdue_since)


@pytest.mark.django_db
def test_documents_are_kept_with_their_hash_and_recognised_by_their_bytes(record, legal_officer):
    milestone = milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.FILED, on=TODAY, at=NOW,
                                 documents=[SimpleUploadedFile("受理通知书.pdf", PDF)])
    [document] = MilestoneDocument.objects.filter(milestone=milestone)
    assert document.content_type == "application/pdf" and document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert "受理" not in document.file.name and document.file.read() == PDF
    with pytest.raises(DomainError) as refused:
        milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.FILED, on=TODAY, at=NOW,
                         documents=[SimpleUploadedFile("notice.pdf", b"just text")])
    assert refused.value.field == "documents" and record.milestones.count() == 1


@pytest.mark.django_db
def test_the_record_keeps_the_furthest_milestone_reached(record, legal_officer):
    milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.JUDGMENT, on=TODAY,
                     amount=Decimal("100"), at=NOW)
    milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.HEARING, on=TODAY, at=NOW)
    record.refresh_from_db()
    assert record.progress == MilestoneKind.JUDGMENT


@pytest.mark.django_db
def test_the_legal_officer_sets_counsel_court_and_claim(record, legal_officer):
    litigation_record_update(record=record, actor=legal_officer, counsel_kind="law_firm", counsel_name="金杜律师事务所",
                             court="上海市浦东新区人民法院", court_case_number="(2026)沪0115民初12345号",
                             claim_amount=Decimal("10500.00"), costs_incurred=Decimal("1200.00"))
    record.refresh_from_db()
    assert (record.court_case_number, record.claim_amount, record.costs_incurred) == (
        "(2026)沪0115民初12345号", Decimal("10500.00"), Decimal("1200.00"))
    with pytest.raises(DomainError) as refused:
        litigation_record_update(record=record, actor=legal_officer, counsel_kind="law_firm", counsel_name="",
                                 court="", court_case_number="", claim_amount=Decimal("-1"),
                                 costs_incurred=Decimal("0"))
    assert refused.value.field == "claim_amount"


@pytest.mark.django_db
def test_an_agent_may_not_work_the_record(record, agent):
    with pytest.raises(Forbidden):
        milestone_record(record=record, actor=agent, kind=MilestoneKind.FILED, on=TODAY, at=NOW)
