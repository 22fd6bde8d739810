"""A complaint holds the case: the queue, the visits board and the pass leave it alone until compliance
resolves the complaint, and then contact resumes."""

import datetime as dt
from decimal import Decimal

import pytest

from cases.lifecycle import Stage
from complaints.models import Complaint
from contacts.models import Channel, ContactStatus, Origin, ScheduledContact
from staff.models import StaffProfile
from tests.factories import AccountFactory, CaseFactory, CustomerFactory
from tests.journeys.day import (
    PHONE,
    WORKDAY,
    escalation_pass_on_worker,
    queue_row,
    sign_in,
    snap,
    speak,
    task_on_worker,
)
from visits.models import OPEN_STATUSES, Visit, VisitStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scheduled(case, channel=None):
    contacts = ScheduledContact.objects.filter(case=case, status=ContactStatus.SCHEDULED)
    return contacts.filter(channel=channel) if channel else contacts


def test_a_complaint_stops_contact_everywhere_until_it_is_resolved(
        page, browser, live_server, agent, supervisor, compliance, field_agent, team, worker, time_machine,
        shots):
    time_machine.move_to(WORKDAY, tick=True)
    speak("en", agent, supervisor, compliance, field_agent)
    StaffProfile.objects.filter(user=field_agent).update(region="上海")
    # 70 days past due: the field tier (T4) plans call tasks and a visit.
    customer = CustomerFactory(name="李强", address="上海市静安区南京西路 1 号", region="上海")
    case = CaseFactory(account=AccountFactory(customer=customer), stage=Stage.CONTACT, assigned_team=team,
                       assigned_agent=agent, overdue_since=WORKDAY.date() - dt.timedelta(days=70),
                       principal_overdue=Decimal("20000.00"))
    escalation_pass_on_worker()
    task_on_worker("visits.from_escalation", until=lambda: Visit.objects.filter(case=case).exists())
    visit = Visit.objects.get(case=case)
    assert scheduled(case, Channel.CALL).count() == 1 and visit.status == VisitStatus.REQUESTED
    base = live_server.url

    # The supervisor sends a field agent this afternoon.
    planner = browser.new_context(locale="en-US").new_page()
    try:
        sign_in(planner, base, "supervisor")
        planner.goto(f"{base}/visits/board/")
        request = planner.locator("article.visit-assign").filter(has_text=f"#{visit.pk}")
        request.get_by_label("Field agent", exact=True).select_option(str(field_agent.pk))
        request.get_by_label("Date").fill("2030-03-05")
        request.get_by_label("From (cardholder's time)").fill("14:00")
        request.get_by_label("Until (cardholder's time)").fill("16:00")
        request.get_by_role("button", name="Assign").click()
        planner.locator("#messages").get_by_text(f"Visit #{visit.pk} assigned to field.").wait_for()
    finally:
        planner.context.close()

    sign_in(page, base, "agent")
    page.goto(f"{base}/cases/queue/")
    assert "Contact due" in queue_row(page, case.pk).locator("td").first.inner_text()
    queue_row(page, case.pk).get_by_role("link").click()
    panel = page.locator("#complaints-panel")
    panel.get_by_label("Kind").select_option("complaint")
    panel.get_by_label("Received through").select_option("phone")
    panel.get_by_label("Category").select_option("contact_frequency")
    panel.get_by_label("What the cardholder says").fill("Called three times on Sunday evening.")
    panel.get_by_role("button", name="Register and hold the case").click()
    page.locator("#messages").get_by_text("the case is on hold until it is resolved").wait_for()
    page.get_by_text("Not now.").wait_for()  # the contact verdict, refreshed with the page
    snap(page, shots, "journey-complaint-registered", agent)
    complaint = Complaint.objects.get(case=case)

    # The call task and the visit request are cancelled at once, each with the reason.
    assert not scheduled(case).exists()
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CANCELLED
    page.goto(f"{base}/cases/queue/")
    assert queue_row(page, case.pk).count() == 0

    # The visit leaves the field agent's day, with the reason.
    phone = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True).new_page()
    try:
        sign_in(phone, base, "field")
        phone.goto(f"{base}/visits/")
        withdrawn = phone.locator(".visit-withdrawn li").filter(has_text=f"#{visit.pk}")
        withdrawn.get_by_text("Cancelled: the case was put on hold.").wait_for()
        assert phone.locator(".visit-route").count() == 0
        snap(phone, shots, "journey-complaint-visit-withdrawn-390", field_agent)
    finally:
        phone.context.close()

    board = browser.new_context(locale="en-US").new_page()
    try:
        sign_in(board, base, "supervisor")
        board.goto(f"{base}/visits/board/")
        board.get_by_role("heading", name="To assign or reassign").wait_for()
        assert board.locator("article.visit-assign").filter(has_text=f"#{visit.pk}").count() == 0
    finally:
        board.context.close()

    # The next mornings' passes and pickups leave the held case alone, while a case arriving beside it gets
    # its call task and its visit.
    time_machine.move_to(WORKDAY + dt.timedelta(days=5), tick=True)
    neighbour = CaseFactory(account=AccountFactory(customer=CustomerFactory(address="上海市静安区南京西路 2 号",
                                                                            region="上海")),
                            stage=Stage.CONTACT, assigned_team=team, assigned_agent=agent,
                            overdue_since=WORKDAY.date() - dt.timedelta(days=70), principal_overdue=Decimal("20000.00"))
    escalation_pass_on_worker()
    task_on_worker("visits.from_escalation", until=lambda: Visit.objects.filter(case=neighbour).exists())
    assert scheduled(neighbour, Channel.CALL).count() == 1
    assert not scheduled(case).exists()
    assert not Visit.objects.filter(case=case, status__in=OPEN_STATUSES).exists()

    # Compliance resolves the complaint from the register.
    officer = browser.new_context(locale="en-US").new_page()
    try:
        sign_in(officer, base, "compliance")
        officer.goto(f"{base}/complaints/")
        snap(officer, shots, "journey-complaints-register", compliance)
        row = officer.locator("tr").filter(has=officer.locator(f"form[action='/complaints/{complaint.pk}/resolve/']"))
        row.locator("[name=resolution]").fill("Calls moved to weekday daytime; the cardholder agreed.")
        row.get_by_role("button", name="Resolve").click()
        officer.locator("#messages").get_by_text(f"#{complaint.pk} resolved; its hold on case #{case.pk} is released.",
                                                 exact=False).wait_for()
    finally:
        officer.context.close()
    complaint.refresh_from_db()
    assert complaint.status == "resolved"

    # Contact resumes: the next pass plans a call, and the case is back in the agent's queue.
    escalation_pass_on_worker()
    assert scheduled(case, Channel.CALL).filter(origin=Origin.POLICY).count() == 1
    sign_in(page, base, "agent")
    page.goto(f"{base}/cases/queue/")
    assert "Contact due" in queue_row(page, case.pk).locator("td").first.inner_text()
    page.goto(f"{base}/cases/{case.pk}/")
    page.get_by_text("A call is allowed now.").wait_for()
    snap(page, shots, "journey-complaint-resolved", agent)
