"""A complaint holds the case: the queue, the visits board and the pass leave it alone until compliance
resolves the complaint, and then contact resumes. A hardship hold is requested by the agent with its
evidence and end date, approved by the supervisor, and ends by itself."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.formats import date_format

from cases.lifecycle import HoldKind, Stage
from cases.models import CaseHold, HoldRequest
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


def test_a_hardship_hold_is_requested_approved_and_shown_with_its_end_until_it_ends(
        page, browser, live_server, agent, supervisor, team, worker, time_machine, shots):
    time_machine.move_to(WORKDAY, tick=True)
    speak("en", agent, supervisor)
    case = CaseFactory(account=AccountFactory(customer=CustomerFactory(name="王芳")), stage=Stage.CONTACT,
                       assigned_team=team, assigned_agent=agent, overdue_since=WORKDAY.date() - dt.timedelta(days=20),
                       principal_overdue=Decimal("8000.00"))
    until = WORKDAY.date() + dt.timedelta(days=14)
    with translation.override("en"):
        shown = date_format(until, "SHORT_DATE_FORMAT")
    base = live_server.url

    # The cardholder calls from hospital: the agent requests a hardship hold with the discharge letter.
    sign_in(page, base, "agent")
    page.goto(f"{base}/cases/{case.pk}/")
    panel = page.locator("#holds-panel")
    panel.get_by_label("Hold", exact=True).select_option(HoldKind.HARDSHIP)
    panel.get_by_label("Cause of the hardship").select_option("medical")
    panel.get_by_label("Until (last day of the hold)").fill(until.isoformat())
    panel.get_by_label("Evidence (PDF, PNG or JPEG)").set_input_files(
        files=[{"name": "discharge-letter.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}])
    panel.get_by_label("Reason").fill("In hospital after an operation until the end of the month.")
    panel.get_by_role("button", name="Put on hold").click()
    page.locator("#messages").get_by_text("a supervisor approves it before it stops contact").wait_for()
    page.locator("#holds-panel").get_by_text("Awaiting a supervisor's approval").wait_for()
    request = HoldRequest.objects.get(case=case)
    assert request.evidence_content_type == "application/pdf" and not CaseHold.objects.filter(case=case).exists()
    # Until it is approved, contact goes on: the case stays in the agent's queue.
    page.goto(f"{base}/cases/queue/")
    assert queue_row(page, case.pk).count() == 1

    # The supervisor finds the request in the specialist queue and approves it on the case page.
    desk = browser.new_context(locale="en-US").new_page()
    try:
        sign_in(desk, base, "supervisor")
        desk.get_by_role("link", name="Specialist queue").click()
        requests = desk.locator("table[aria-labelledby=h-requests] tbody tr").filter(has_text=f"#{case.pk}")
        assert "Hardship (Medical)" in requests.inner_text()
        requests.get_by_role("link").click()
        panel = desk.locator("#holds-panel")
        panel.get_by_label("Note (required to refuse)").fill("Discharge letter checked.")
        panel.get_by_role("button", name="Approve").click()
        desk.locator("#messages").get_by_text(f"Hold approved: Hardship (Medical) until {shown}.").wait_for()
        assert desk.locator("#holds-panel .hold-until").inner_text() == f"until {shown}"
        snap(desk, shots, "journey-hardship-approved", supervisor)
    finally:
        desk.context.close()
    hold = CaseHold.objects.get(case=case, released_at__isnull=True)
    assert (hold.kind, hold.until, hold.placed_by) == (HoldKind.HARDSHIP, until, supervisor)

    # The agent's queue no longer offers the case, and says when it comes back.
    page.goto(f"{base}/cases/queue/")
    assert queue_row(page, case.pk).count() == 0
    held = page.locator("table.on-hold tbody tr").filter(has=page.locator(f"a[href='/cases/{case.pk}/']"))
    assert held.locator(".hold-ends").inner_text() == f"after {shown}"
    snap(page, shots, "journey-hardship-queue", agent)
    page.goto(f"{base}/cases/{case.pk}/")
    assert page.locator("#holds-panel .hold-until").inner_text() == f"until {shown}"

    # The day after its last day, the scheduled release ends the hold and the case is back in the queue.
    time_machine.move_to(dt.datetime.combine(until + dt.timedelta(days=1), dt.time(9), WORKDAY.tzinfo), tick=True)
    task_on_worker("cases.release_ended_holds",
                   until=lambda: CaseHold.objects.filter(pk=hold.pk, released_at__isnull=False).exists())
    hold.refresh_from_db()
    assert hold.released_by_label == "system"
    sign_in(page, base, "agent")  # a fortnight on, the session has long ended
    page.goto(f"{base}/cases/queue/")
    assert queue_row(page, case.pk).count() == 1


def test_a_death_stops_contact_and_the_policy_writes_once_to_the_estate(
        page, live_server, agent, supervisor, team, worker, time_machine, shots, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(WORKDAY, tick=True)
    speak("zh-hans", agent, supervisor)
    customer = CustomerFactory(name="陈建国", address="上海市徐汇区漕溪北路 8 号")
    case = CaseFactory(account=AccountFactory(customer=customer),
                       stage=Stage.CONTACT, assigned_team=team, assigned_agent=agent,
                       overdue_since=WORKDAY.date() - dt.timedelta(days=40), principal_overdue=Decimal("15000.00"))
    escalation_pass_on_worker()
    assert scheduled(case, Channel.CALL).exists()
    base = live_server.url

    # The cardholder's daughter calls: the agent records the death, in Chinese, with the certificate's number.
    sign_in(page, base, "agent")
    page.goto(f"{base}/cases/{case.pk}/")
    panel = page.locator("#holds-panel")
    panel.get_by_label("暂停", exact=True).select_option(HoldKind.DECEASED)
    panel.get_by_label("或证明材料编号").fill("死亡证明 2026-SH-90211")
    panel.locator("form [name=reason]").fill("持卡人女儿来电告知持卡人已去世。")
    panel.get_by_role("button", name="暂停催收").click()
    page.locator("#holds-panel").get_by_text("已故").first.wait_for()
    # Every contact with the cardholder stops at once; the hourly planning writes one letter to the estate.
    assert not scheduled(case).exists()
    task_on_worker("escalation.estate_letters",
                   until=lambda: ScheduledContact.objects.filter(case=case, rule="estate_letter").exists())
    letter = ScheduledContact.objects.get(case=case, rule="estate_letter")
    assert letter.channel == Channel.LETTER and letter.due_at.date() == (WORKDAY + dt.timedelta(days=14)).date()

    # A fortnight on, the senders post it; nothing else has gone out.
    time_machine.move_to(WORKDAY + dt.timedelta(days=15), tick=True)
    escalation_pass_on_worker()
    task_on_worker("contacts.send_due",
                   until=lambda: ScheduledContact.objects.filter(pk=letter.pk, status=ContactStatus.SENT).exists())
    assert list(ScheduledContact.objects.filter(case=case, status=ContactStatus.SENT)) == [letter]
    letter.refresh_from_db()
    assert "已故陈建国先生/女士的遗产管理人" in letter.sent_to

    # The supervisor finds the case in the specialist queue and reads on its timeline that the letter went.
    sign_in(page, base, "supervisor")
    page.get_by_role("link", name="专案队列").click()
    page.locator("table tbody tr").filter(has_text=f"#{case.pk}").get_by_role("link").first.click()
    timeline = page.locator("section[aria-labelledby=h-timeline]")
    timeline.get_by_text("致遗产管理人的信函").wait_for()
    assert "已发送" in timeline.locator("li, tr").filter(has_text="致遗产管理人的信函").first.inner_text()
    snap(page, shots, "journey-estate-letter", supervisor)
