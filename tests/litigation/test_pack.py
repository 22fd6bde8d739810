import datetime as dt
import hashlib
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditRecord
from complaints.services import complaint_open, complaint_resolve
from contacts.delivery import contact_deliver
from contacts.models import ContactAttempt
from core.errors import Forbidden
from litigation.models import MilestoneKind
from litigation.pack import litigation_pack_build
from litigation.services import legal_letter_send, milestone_record
from tests.factories import PaymentFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def worked(record, legal_officer, supervisor, agent):
    """A record with a filing (and its court paper), a letter sent, a contact, a payment and a complaint."""
    case = record.case
    now = timezone.now()
    milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.FILED, on=timezone.localdate(),
                     documents=[SimpleUploadedFile("filing.pdf", PDF)])
    milestone_record(record=record, actor=legal_officer, kind=MilestoneKind.JUDGMENT, on=timezone.localdate(),
                     amount=Decimal("10225.50"))
    letter = legal_letter_send(record=record, actor=legal_officer, text="诉讼通知 Notice of proceedings.")
    contact_deliver(contact_id=letter.pk, at=max(now, letter.due_at))
    ContactAttempt.objects.create(case=case, customer=case.account.customer, channel="call", actor=agent,
                                  actor_label="agent", result="no_answer", occurred_at=now - dt.timedelta(days=40))
    PaymentFactory(account=case.account, case=case, amount=Decimal("300.00"), currency="CNY", paid_at=now)
    complaint = complaint_open(case=case, kind="complaint", channel="phone", category="conduct",
                               description="Called too often.", actor=agent)
    complaint_resolve(complaint=complaint, actor=supervisor, resolution="Apologised; calls stopped.")
    return record


@pytest.mark.django_db
def test_the_pack_holds_the_summary_the_court_papers_the_letters_and_a_manifest_that_checks(worked, legal_officer):
    built = litigation_pack_build(record=worked, actor=legal_officer)
    files = unzip(built.zip_bytes)
    names = list(files)
    assert names[0] == "summary.pdf" and names[-1] == "manifest.txt"
    assert any(n.startswith("court/") and n.endswith(".pdf") for n in names)
    assert any(n.startswith("letters/") for n in names)
    court = next(n for n in names if n.startswith("court/"))
    assert files[court] == PDF
    manifest = files["manifest.txt"].decode().splitlines()
    assert len(manifest) == len(names) - 1
    for line in manifest:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(files[name]).hexdigest() == digest
    assert built.manifest_sha256 == hashlib.sha256(files["manifest.txt"]).hexdigest()


@pytest.mark.django_db
def test_the_summary_states_the_amounts_by_part_payments_letters_and_complaints(worked, legal_officer):
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
        unzip(litigation_pack_build(record=worked, actor=legal_officer).zip_bytes)["summary.pdf"])).pages)
    for expected in ("Statement of amounts", "10000.00 CNY", "150.00 CNY", "50.00 CNY", "25.50 CNY",
                     "300.00 CNY", "10225.50 CNY", "Notice of proceedings", "Called too often.",
                     "Apologised; calls stopped.", "Claim filed", "Contacts"):
        assert expected in text, expected


@pytest.mark.django_db
def test_every_build_is_audited_with_the_manifests_hash(worked, legal_officer):
    built = litigation_pack_build(record=worked, actor=legal_officer)
    audit = AuditRecord.objects.get(action="litigation.pack_built")
    assert audit.case_id == worked.case_id and audit.changes["manifest_sha256"] == built.manifest_sha256


@pytest.mark.django_db
def test_an_agent_may_not_build_the_pack(record, agent):
    with pytest.raises(Forbidden):
        litigation_pack_build(record=record, actor=agent)


@pytest.mark.django_db
def test_the_button_downloads_the_zip(client, record, legal_officer):
    client.force_login(legal_officer)
    response = client.post(reverse("litigation:pack", args=[record.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "summary.pdf" in unzip(response.content)
