"""A case goes to court and comes out settled: the supervisor accepts the pre-litigation review, the legal
officer finds the case in the legal queue (in English and in Chinese), records the court, the filing with its
receipt and the next hearing, builds the lawyer's pack and checks it against its manifest, and records the
judgment paid; the case closes as settled."""

import datetime as dt
import hashlib
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from cases.lifecycle import Outcome, Stage
from cases.models import Case
from contacts.models import Channel, ContactStatus, ScheduledContact
from events.models import Event, EventType
from litigation.models import LitigationRecord
from tests.factories import AccountFactory, CaseFactory, CustomerFactory
from tests.journeys.day import WORKDAY, sign_in, snap, speak

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def test_a_case_goes_to_court_and_closes_settled_when_the_judgment_is_paid(
        browser, live_server, team, supervisor, legal_officer, time_machine, shots, tmp_path, settings):
    time_machine.move_to(WORKDAY, tick=True)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    speak("en", supervisor, legal_officer)
    case = CaseFactory(account=AccountFactory(customer=CustomerFactory(name="赵敏")), stage=Stage.CONTACT,
                       assigned_team=team, overdue_since=WORKDAY.date() - dt.timedelta(days=120),
                       principal_overdue=Decimal("52000.00"))
    ScheduledContact.objects.create(case=case, channel=Channel.LEGAL_REVIEW, due_at=WORKDAY, assigned_to=supervisor,
                                    assigned_team=team, idempotency_key=f"review:{case.pk}")
    base = live_server.url

    # The supervisor refers the case to legal.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, "supervisor")
    page.goto(f"{base}/dashboards/manage/reviews/")
    row = page.locator("tbody tr").filter(has=page.locator(f"a[href='/cases/{case.pk}/']"))
    row.get_by_label("Decision").select_option("accept")
    row.get_by_label("Reason").fill("No payment in 120 days; the cardholder owns property.")
    row.get_by_role("button", name="Decide").click()
    page.wait_for_load_state()
    assert f"Case #{case.pk} referred to legal." in page.locator("#messages").inner_text()
    record = LitigationRecord.objects.get(case=case)
    context.close()

    # The legal officer works it.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, "legal")
    page.get_by_role("link", name="Legal queue", exact=True).click()
    page.wait_for_url(f"{base}/litigation/")
    assert "To file" in page.locator("tbody tr").first.inner_text()
    snap(page, shots, "litigation-queue", legal_officer)
    page.locator(f"a[href='/litigation/{record.pk}/']").click()
    page.wait_for_url(f"{base}/litigation/{record.pk}/")

    page.get_by_text("Edit", exact=True).click()
    page.get_by_label("Law firm or counsel's name").fill("金诚律师事务所")
    page.get_by_label("Court", exact=True).fill("上海市浦东新区人民法院")
    page.get_by_label("Court's case number").fill("(2030)沪0115民初318号")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "The litigation record was saved." in page.locator("#messages").inner_text()

    receipt = tmp_path / "受理通知书.pdf"
    receipt.write_bytes(PDF)
    for kind, on, files in (("filed", WORKDAY.date() - dt.timedelta(days=1), [receipt]),
                            ("hearing", WORKDAY.date() + dt.timedelta(days=21), [])):
        page.get_by_text("Record a milestone", exact=True).click()
        page.get_by_label("Milestone", exact=True).select_option(kind)
        page.get_by_label("Date", exact=True).first.fill(on.isoformat())
        if files:
            page.locator("input[name='milestone-documents']").set_input_files([str(f) for f in files])
        page.get_by_role("button", name="Record the milestone").click()
        page.wait_for_load_state()
        assert "recorded" in page.locator("#messages").inner_text()
    assert Event.objects.filter(case=case, type=EventType.LITIGATION_MILESTONE).count() == 2
    assert (WORKDAY.date() + dt.timedelta(days=21)).isoformat() in page.locator("dl").first.inner_html()
    snap(page, shots, "litigation-record", legal_officer)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Build the lawyer's pack").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    files = {name: archive.read(name) for name in archive.namelist()}
    assert any(name.startswith("court/") and data == PDF for name, data in files.items())
    for line in files["manifest.txt"].decode().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(files[name]).hexdigest() == digest

    page.get_by_text("End litigation", exact=True).click()
    page.get_by_label("Judgment paid: the case closes as settled").check()
    page.locator("input[name='ending-on']").fill(WORKDAY.date().isoformat())
    page.get_by_role("button", name="Record the ending").click()
    page.wait_for_load_state()
    assert "Judgment paid." in page.locator("#messages").inner_text()
    case = Case.objects.get(pk=case.pk)
    assert (case.stage, case.outcome) == (Stage.CLOSED, Outcome.SETTLED)
    assert ScheduledContact.objects.get(case=case, channel=Channel.LEGAL_REVIEW).status == ContactStatus.DONE
    snap(page, shots, "litigation-closed", legal_officer)
    context.close()
