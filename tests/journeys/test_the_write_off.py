"""The write-off: a supervisor, in English, finds a case in their queue whose cardholder cannot be traced and
proposes writing off its whole balance, beyond their own limit; the manager, in Chinese, sees on the approvals
page which limit the amount exceeded and approves it; the case shows what was written off by part, its call
task is cancelled, the queue no longer offers it, and the timeline says so in both languages."""

from decimal import Decimal

import pytest

from cases.lifecycle import Outcome, Stage
from contacts.models import Channel, ContactStatus, ScheduledContact
from events.models import Event, EventType
from repayment_plans.models import WriteOff, WriteOffStatus
from tests.escalation.helpers import case_at_dpd
from tests.journeys.day import WORKDAY, escalation_pass_on_worker, queue_row, sign_in, snap, speak

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_proposes_a_write_off_and_the_manager_approves_it_in_chinese(
        page, browser, live_server, supervisor, manager, team, worker, time_machine, shots):
    time_machine.move_to(WORKDAY, tick=True)
    speak("en", supervisor)
    speak("zh-hans", manager)
    case = case_at_dpd(25, as_of=WORKDAY, total=Decimal("36000.00"), stage=Stage.CONTACT, assigned_team=team)
    escalation_pass_on_worker()
    assert ScheduledContact.objects.filter(case=case, channel=Channel.CALL, status=ContactStatus.SCHEDULED).exists()
    base = live_server.url

    sign_in(page, base, "supervisor")
    page.goto(f"{base}/cases/queue/")
    queue_row(page, case.pk).get_by_role("link").click()
    panel = page.locator("#write-off-panel")
    assert "36000.00 CNY" in panel.inner_text()
    assert "Above your write-off limit of 20000.00 CNY: approval from Manager." in panel.inner_text()
    panel.get_by_label("Why write off the balance?").fill("Cardholder emigrated; three trace reports found no "
                                                          "address and no assets.")
    panel.get_by_role("button", name="Propose write-off").click()
    page.locator("#messages").get_by_text("Write-off of 36000.00 CNY proposed; it waits for approval.").wait_for()
    write_off = WriteOff.objects.get(case=case)
    assert (write_off.status, write_off.required_role) == (WriteOffStatus.PENDING_APPROVAL, "manager")
    assert "Awaiting approval" in page.locator("#write-off-panel").inner_text()
    snap(page, shots, "journey-write-off-proposed", supervisor)

    checker = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        other = checker.new_page()
        sign_in(other, base, "manager")
        other.goto(f"{base}/repayment-plans/approvals/")
        row = other.locator(f"#write-off-{write_off.pk}")
        assert "36000.00 CNY 超出主管 20000.00 CNY 的核销额度：须由经理审批" in row.inner_text()
        assert "three trace reports" in row.inner_text()
        snap(other, shots, "journey-write-off-approvals", manager)
        row = other.locator(f"#write-off-{write_off.pk}")
        row.locator("input[name=reason]").fill("已核实三份查址报告，同意核销。")
        row.get_by_role("button", name="批准").click()
        other.locator("#messages").get_by_text(f"核销 #{write_off.pk} 已批准：案件以核销结案。").wait_for()
        assert other.locator(f"#write-off-{write_off.pk}").count() == 0

        # The manager reads the closed case in Chinese: the amounts by part, and the timeline.
        other.goto(f"{base}/cases/{case.pk}/")
        written = other.locator("#write-off-panel").inner_text()
        assert "已核销" in written and "核销合计" in written and "36000.00 CNY" in written
        assert "经第二人审批" in written and "已核实三份查址报告，同意核销。" in written
        other.locator("#timeline").get_by_text("已核销 36000.00 CNY：本金 36000.00，利息 0.00，费用 0.00，罚息 0.00"
                                               "（经第二人审批）").wait_for()
        snap(other, shots, "journey-write-off-closed", manager)
    finally:
        checker.close()

    case.refresh_from_db()
    write_off.refresh_from_db()
    assert (case.stage, case.outcome) == (Stage.CLOSED, Outcome.WRITTEN_OFF)
    assert (write_off.status, write_off.decided_by, write_off.approval_kind) == ("approved", manager, "second_person")
    assert Event.objects.get(case=case, type=EventType.CASE_WRITTEN_OFF).payload["total"] == "36000.00"
    assert not ScheduledContact.objects.filter(case=case, channel=Channel.CALL,
                                               status=ContactStatus.SCHEDULED).exists()

    # The supervisor's page says so in English, and the queue no longer offers the case.
    page.reload()
    assert "Closed · Written off" in page.locator("section[aria-labelledby=h-status]").inner_text()
    page.locator("#timeline").get_by_text("Written off 36000.00 CNY: principal 36000.00, interest 0.00, fees 0.00, "
                                          "penalty 0.00 (Approved by a second person)").wait_for()
    page.goto(f"{base}/cases/queue/")
    page.get_by_role("heading", name="My queue").wait_for()
    assert queue_row(page, case.pk).count() == 0
