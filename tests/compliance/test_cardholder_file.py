"""The regulator's file: its contents and manifest."""

import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from audit.models import AuditRecord
from complaints.services import complaint_open
from compliance.cardholder_file import cardholder_file_build, cardholder_find
from contacts.delivery import contact_deliver
from contacts.models import Channel, ContactStatus, ScheduledContact
from repayment_plans.models import Promise
from repayment_plans.plans import plan_accept_with_signed_copy
from tests.compliance.conftest import LATE, MORNING
from tests.factories import AccountFactory
from tests.repayment_plans.helpers import contact_case, propose

pytestmark = pytest.mark.django_db


def squeeze(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def history(cardholder_case, breach, agent, settings, tmp_path):
    """One cardholder with two cases: a breach with its recording, an SMS and a letter sent, a promise,
    a plan accepted on a signed copy, and a complaint with its hold."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "outbox.jsonl"
    customer = cardholder_case.account.customer
    sms = ScheduledContact.objects.create(case=cardholder_case, channel=Channel.SMS, due_at=MORNING,
                                          idempotency_key="file:sms")
    letter = ScheduledContact.objects.create(case=cardholder_case, channel=Channel.LETTER, due_at=MORNING,
                                             idempotency_key="file:letter")
    assert contact_deliver(contact_id=sms.pk, at=MORNING) == ContactStatus.SENT
    assert contact_deliver(contact_id=letter.pk, at=MORNING) == ContactStatus.SENT
    letter.refresh_from_db()
    Promise.objects.create(case=cardholder_case, amount="500.00", currency="CNY", due_date=dt.date(2026, 12, 5),
                           channel="call", taken_by=agent, taken_by_label="agent", taken_at=LATE)
    second = contact_case(agent, account=AccountFactory(customer=customer))
    plan = propose(second, agent, count=3, interest=20)
    plan = plan_accept_with_signed_copy(plan=plan, upload=SimpleUploadedFile("signed.pdf", b"%PDF-1.7\nsigned"),
                                        actor=agent, at=MORNING)
    complaint_open(case=cardholder_case, kind="complaint", channel="phone", category="contact_frequency",
                   description="Called me at half past ten at night.", actor=agent, received_at=LATE)
    outbox = [json.loads(line) for line in settings.SMS_FILE_PATH.read_text(encoding="utf-8").splitlines()]
    sms_body = next(entry["body"] for entry in outbox if entry["reference"] == "file:sms")
    letter_bytes = (settings.MEDIA_ROOT / "letters" / letter.letter_file).read_bytes()
    return {"customer": customer, "sms_body": sms_body, "letter": letter, "letter_bytes": letter_bytes,
            "plan": plan, "second": second}


def open_file(zip_bytes: bytes):
    archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    summary = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read("summary.pdf"))).pages)
    return archive, summary


def test_the_file_holds_the_summary_the_documents_and_a_manifest_that_checks(history, compliance):
    with translation.override("en"):
        built = cardholder_file_build(customer=history["customer"], actor=compliance)
    archive, summary = open_file(built.zip_bytes)
    plan = history["plan"]
    assert archive.namelist() == [
        "summary.pdf", f"agreements/plan-{plan.pk}-agreement.pdf", f"agreements/plan-{plan.pk}-signed.pdf",
        f"letters/{history['letter'].letter_file}", "manifest.txt"]
    manifest = archive.read("manifest.txt").decode()
    listed = {}
    for line in manifest.splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == set(archive.namelist()) - {"manifest.txt"}
    for name, digest in listed.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    # The letter in the file is the very letter that was printed.
    assert archive.read(f"letters/{history['letter'].letter_file}") == history["letter_bytes"]
    assert archive.read(f"agreements/plan-{plan.pk}-signed.pdf") == b"%PDF-1.7\nsigned"
    assert "王小明" in summary and "C-778899" in summary


def test_the_summary_shows_each_contact_its_breach_and_recording_and_the_text_sent(history, compliance):
    with translation.override("en"):
        _archive, summary = open_file(cardholder_file_build(customer=history["customer"], actor=compliance).zip_bytes)
    flat = squeeze(summary)
    assert squeeze("Direction: Outbound") in flat and squeeze("2026-11-30 22:30 Asia/Shanghai") in flat
    assert squeeze("Breach: Outside contact hours") in flat
    assert "REC-2026-0042" in flat and "ab" * 32 in flat
    assert squeeze(history["sms_body"]) in flat  # exactly what went out
    assert squeeze("Called me at half past ten at night.") in flat
    assert squeeze("Uploaded signed copy") in flat and f"#{history['second'].pk}" in flat
    assert squeeze("500.00 CNY") in flat


def test_the_summary_reads_in_the_readers_language(history, compliance):
    with translation.override("zh-hans"):
        _archive, summary = open_file(cardholder_file_build(customer=history["customer"], actor=compliance).zip_bytes)
    assert "持卡人档案" in summary and "联系记录" in summary and "不在允许联系的时段" in squeeze(summary)


def test_every_build_is_audited_with_the_manifests_hash(history, compliance):
    built = cardholder_file_build(customer=history["customer"], actor=compliance)
    record = AuditRecord.objects.get(action="cardholder_file.built")
    assert record.actor == compliance and record.object_id == str(history["customer"].pk)
    assert record.changes["manifest_sha256"] == built.manifest_sha256 == hashlib.sha256(
        built.manifest.encode()).hexdigest()
    assert record.changes["cases"] == sorted([history["second"].pk, history["letter"].case_id])


def test_the_command_writes_the_file_by_cardholder_id_or_national_id(history, tmp_path):
    out = tmp_path / "file.zip"
    call_command("cardholder_file", "C-778899", "--out", str(out), "--language", "en", stdout=io.StringIO())
    archive, summary = open_file(out.read_bytes())
    assert "manifest.txt" in archive.namelist() and "Cardholder's file" in summary
    assert AuditRecord.objects.get(action="cardholder_file.built").actor_label.startswith("manage.py")
    assert cardholder_find("310101199001011234") == history["customer"]
    with pytest.raises(CommandError):
        call_command("cardholder_file", "nobody", "--out", str(out))


def test_the_command_refuses_someone_who_may_not_build_the_file(history, agent, tmp_path):
    with pytest.raises(CommandError):
        call_command("cardholder_file", "C-778899", "--out", str(tmp_path / "f.zip"), "--by", "agent")


def test_compliance_finds_the_cardholder_and_downloads_the_file(client, compliance, history):
    client.force_login(compliance)
    found = client.get(reverse("compliance:cardholders"), {"q": "310101199001011234"})
    assert found.context["customer"] == history["customer"]
    url = reverse("compliance:cardholder-file", args=[history["customer"].pk])
    assert url in found.content.decode()
    response = client.post(url)
    assert response["Content-Type"] == "application/zip"
    assert 'filename="cardholder-file-C-778899-' in response["Content-Disposition"]
    archive, _summary = open_file(response.content)
    assert "manifest.txt" in archive.namelist()
    assert AuditRecord.objects.filter(action="cardholder_file.built", actor=compliance).count() == 1


def test_an_unknown_id_is_answered_beside_the_field(client, compliance, history):
    client.force_login(compliance)
    response = client.get(reverse("compliance:cardholders"), {"q": "nobody"})
    assert response.status_code == 400 and response.context["form"].errors["q"]


@pytest.mark.parametrize("who", ["agent", "supervisor", "admin_user"])
def test_only_compliance_and_managers_build_a_file(client, request, history, who):
    client.force_login(request.getfixturevalue(who))
    assert client.post(reverse("compliance:cardholder-file", args=[history["customer"].pk])).status_code == 403
    assert client.get(reverse("compliance:cardholders")).status_code == 403


def test_the_summary_shows_a_write_off_by_part_and_who_decided_it(cardholder_case, supervisor, compliance):
    from repayment_plans.write_offs import write_off_propose

    case = cardholder_case  # at contact
    write_off = write_off_propose(case=case, actor=supervisor, reason="Estate has no assets.")
    with translation.override("en"):
        _archive, summary = open_file(cardholder_file_build(customer=case.account.customer, actor=compliance).zip_bytes)
    flat = squeeze(summary)
    assert squeeze("Write-offs") in flat and f"#{write_off.pk}" in flat
    assert squeeze(f"{write_off.total} CNY: principal {write_off.principal}") in flat
    assert squeeze("Estate has no assets.") in flat and squeeze("Within own authority, supervisor") in flat
