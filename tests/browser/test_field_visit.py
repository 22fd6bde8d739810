"""A visit from the supervisor's board to the field agent's phone: assignment, today's list, check-in, the
report with a promise, and the case timeline showing the visit and the promise."""

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cases.lifecycle import Stage
from staff.models import Role, StaffProfile
from tests.browser.conftest import login
from tests.factories import CaseFactory, staff_user
from visits.models import Visit, VisitReport, VisitStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SH = ZoneInfo("Asia/Shanghai")
# A Tuesday morning in Shanghai, inside contact hours, and later than any real clock running these tests.
WORKDAY = dt.datetime(2030, 3, 5, 10, 30, tzinfo=SH)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200


@pytest.fixture
def shots(tmp_path):
    folder = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US", is_mobile=True,
                                  has_touch=True)
    yield context.new_page()
    context.close()


def test_a_field_agent_checks_in_and_completes_a_visit_with_a_promise(
        page, phone, live_server, team, supervisor, time_machine, shots, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(WORKDAY, tick=True)
    field = staff_user(Role.FIELD_AGENT, team, user__username="field")
    StaffProfile.objects.filter(user=field).update(language="en", region="上海")
    case = CaseFactory(stage=Stage.CONTACT, assigned_team=team, account__customer__name="王芳",
                       account__customer__address="上海市徐汇区漕溪北路 88 号")
    visit = Visit.objects.create(
        case=case, origin="escalation", reason="Contact policy: T4.visit", address=case.account.customer.address,
        region="上海", district="徐汇", latitude="31.190000", longitude="121.430000", requested_by_label="system")
    photo = tmp_path / "door.jpg"
    photo.write_bytes(JPEG)
    StaffProfile.objects.filter(user=supervisor).update(language="en")

    # The supervisor assigns the request on the board, for a window in the cardholder's time.
    login(page, live_server, "supervisor")
    page.get_by_role("link", name="Visits", exact=True).click()
    request = page.locator("article.visit-assign").filter(has_text=f"#{visit.pk}")
    request.get_by_label("Field agent", exact=True).select_option(str(field.pk))
    request.get_by_label("Date").fill("2030-03-05")
    request.get_by_label("From (cardholder's time)").fill("10:00")
    request.get_by_label("Until (cardholder's time)").fill("12:00")
    request.get_by_role("button", name="Assign").click()
    page.get_by_text(f"Visit #{visit.pk} assigned to field.").wait_for()
    page.screenshot(path=str(shots / "visits-board-en.png"), full_page=True)
    visit.refresh_from_db()
    assert (visit.status, visit.assigned_to) == (VisitStatus.ASSIGNED, field)

    page = phone
    login(page, live_server, "field")
    page.get_by_role("link", name="My visits").click()
    page.get_by_role("heading", name="My visits").wait_for()
    page.get_by_role("link", name="Open in map").wait_for()
    page.screenshot(path=str(shots / "visits-day-en.png"), full_page=True)

    page.get_by_role("link", name=f"Stop 1 · visit #{visit.pk}").click()
    page.get_by_label("Latitude").fill("31.190100")
    page.get_by_label("Longitude").fill("121.430200")
    page.get_by_role("button", name="Check in now").click()
    page.get_by_role("heading", name="Visit report").wait_for()
    page.get_by_text("Tell a third party nothing about it").wait_for()

    page.get_by_label("Outcome").select_option("met_cardholder")
    page.get_by_label("Identity verified by").select_option("id_card")
    page.get_by_label("Amount owed confirmed with the cardholder").check()
    page.get_by_label("Reason for the delinquency").fill("Lost job in January")
    page.get_by_label("Willingness to repay").select_option("willing")
    page.get_by_label("Cardholder's attitude").select_option("cooperative")
    page.get_by_label("Next step").select_option("promise")
    page.get_by_label("Promised amount").fill("2000.00")
    page.get_by_label("Promised by").fill("2030-03-08")
    page.get_by_label("Photos or documents (JPEG, PNG, PDF)").set_input_files(str(photo))
    page.screenshot(path=str(shots / "visit-report-en.png"), full_page=True)
    page.get_by_role("button", name="Complete the visit").click()
    page.get_by_text("Visit report saved.").wait_for()

    visit.refresh_from_db()
    case.refresh_from_db()
    assert visit.status == VisitStatus.COMPLETED and visit.check_in_latitude is not None
    assert VisitReport.objects.get(visit=visit).promise_amount == 2000
    assert case.stage == Stage.FOLLOW_UP
    assert visit.documents.count() == 1

    page.get_by_role("link", name="王芳 · Case #").first.click()
    timeline = page.locator("#timeline")
    timeline.get_by_text("Field visit: Met the cardholder").wait_for()
    timeline.get_by_text("Promise to pay 2000.00 CNY by 2030-03-08 (Field visit)").wait_for()
    page.screenshot(path=str(shots / "visit-case-timeline-en.png"), full_page=True)
