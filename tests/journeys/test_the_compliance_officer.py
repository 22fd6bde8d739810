"""Compliance reads the breaches the contact record holds: the register, a filter, one breach and its
reasons, and then the cardholder's whole file for the regulator, checked against its own manifest."""

import datetime as dt
import hashlib
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from audit.models import AuditRecord
from cases.lifecycle import Stage
from contacts.models import AttemptResult, Channel
from contacts.services import Recording, contact_attempt_log
from tests.factories import AccountFactory, CaseFactory, CustomerFactory
from tests.journeys.day import PHONE, WORKDAY, sign_in, snap, speak

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_compliance_opens_a_breach_and_downloads_the_cardholders_file(
        page, live_server, agent, other_agent, compliance, team, time_machine, shots):
    time_machine.move_to(WORKDAY, tick=True)
    speak("en", compliance)
    customer = CustomerFactory(external_id="C-2030-17", name="李强")
    case = CaseFactory(account=AccountFactory(customer=customer), stage=Stage.CONTACT, assigned_team=team,
                       assigned_agent=agent, overdue_since=WORKDAY.date() - dt.timedelta(days=20),
                       principal_overdue=Decimal("8000.00"))
    late = WORKDAY.replace(hour=22, minute=40) - dt.timedelta(days=1)
    breach = contact_attempt_log(case=case, channel=Channel.CALL, actor=agent, result=AttemptResult.NO_ANSWER,
                                 occurred_at=late, now=late, recording=Recording(ref="REC-J-0001"))
    other = CaseFactory(account=AccountFactory(customer=CustomerFactory()), stage=Stage.CONTACT,
                        assigned_team=team, overdue_since=WORKDAY.date() - dt.timedelta(days=20))
    contact_attempt_log(case=other, channel=Channel.CALL, actor=other_agent, result=AttemptResult.NO_ANSWER,
                        occurred_at=late, now=late)
    base = live_server.url

    sign_in(page, base, "compliance")
    page.get_by_role("link", name="Breaches").click()
    rows = page.locator("table#breaches tbody tr")
    assert rows.count() == 2
    page.get_by_label("Agent (login)").fill("agent")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**agent=agent**")
    assert rows.count() == 1 and "Outside contact hours" in rows.first.inner_text()
    snap(page, shots, "compliance-breaches", compliance)
    # On a phone the register fits the screen: the rule filter's long names do not widen the page.
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size({"width": 1280, "height": 900})

    rows.first.get_by_role("link").first.click()
    page.wait_for_url(f"**/compliance/breaches/{breach.pk}/")
    assert "REC-J-0001" in page.locator("dl.facts").inner_text()
    assert "22:40" in page.locator("#reasons").inner_text() or "21:00" in page.locator("#reasons").inner_text()
    snap(page, shots, "compliance-breach", compliance)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the cardholder's file").click()
    download = download_info.value
    assert download.suggested_filename.startswith("cardholder-file-C-2030-17-")
    archive = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    manifest = archive.read("manifest.txt").decode().splitlines()
    assert [line.split("  ", 1)[1] for line in manifest] == ["summary.pdf"]
    for line in manifest:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    record = AuditRecord.objects.get(action="cardholder_file.built")
    assert record.actor == compliance and record.changes["cases"] == [case.pk]
