"""The core system corrects itself, and the desk sees it in Chinese: a recalled account leaves the agent's queue
with its visit request cancelled and the reason on the case's timeline; a bounced payment reopens the case it
had cured, back in the queue with the reversal on the timeline; money after a write-off shows on the flow
dashboard as post-write-off recovery."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from api.services import api_client_create
from cases.lifecycle import Outcome, Stage
from tests.api.conftest import bearer
from tests.escalation.helpers import case_at_dpd
from tests.factories import CaseFactory
from tests.journeys.day import WORKDAY, queue_row, sign_in, snap, speak
from visits.models import Visit, VisitOrigin, VisitStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_recall_a_bounced_payment_and_a_recovery_reach_the_desk(page, live_server, agent, supervisor, team,
                                                                   time_machine, shots):
    time_machine.move_to(WORKDAY, tick=True)
    speak("zh-hans", agent, supervisor)
    core = bearer(api_client_create(name="core-banking", scopes=["ingest", "read"])[1])
    recalled = case_at_dpd(70, as_of=WORKDAY, total=Decimal("30000.00"), stage=Stage.CONTACT, assigned_team=team,
                           assigned_agent=agent)
    visit = Visit.objects.create(case=recalled, origin=VisitOrigin.ESCALATION, reason="Contact policy: T4.visit",
                                 address="上海市", region="上海", requested_by_label="system")
    cured = case_at_dpd(20, as_of=WORKDAY, total=Decimal("800.00"), stage=Stage.CONTACT, assigned_team=team,
                        assigned_agent=agent)
    written_off = CaseFactory(stage=Stage.CLOSED, outcome=Outcome.WRITTEN_OFF, assigned_team=team,
                              closed_at=WORKDAY - dt.timedelta(days=40), opened_at=WORKDAY - dt.timedelta(days=300))
    paid_at = timezone.now() - dt.timedelta(minutes=30)

    answer = core.post("/api/v1/accounts/recall", {"items": [
        {"account_number": recalled.account.account_number, "reason": "sold", "as_of": timezone.now().isoformat()}]},
        format="json").json()
    assert answer["results"][0]["result"] == "recalled"
    answer = core.post("/api/v1/payments/batch", {"items": [
        {"transaction_id": "TX-J-1", "account_number": cured.account.account_number, "amount": "800.00",
         "currency": "CNY", "paid_at": paid_at.isoformat()},
        {"transaction_id": "TX-J-2", "account_number": written_off.account.account_number, "amount": "1200.00",
         "currency": "CNY", "paid_at": paid_at.isoformat()}]}, format="json").json()
    assert [row["result"] for row in answer["results"]] == ["applied", "applied"]
    cured.refresh_from_db()
    assert cured.stage == Stage.CLOSED and Visit.objects.get(pk=visit.pk).status == VisitStatus.CANCELLED
    base = live_server.url

    sign_in(page, base, "agent")
    page.goto(f"{base}/cases/queue/")
    assert queue_row(page, recalled.pk).count() == 0 and queue_row(page, cured.pk).count() == 0
    page.goto(f"{base}/cases/{recalled.pk}/")
    page.locator("#timeline").get_by_text("核心系统召回：该债务已出售。").wait_for()
    snap(page, shots, "journey-recalled-case", agent)

    # The payment bounces: the same case is owed again and back in the queue.
    answer = core.post("/api/v1/payments/batch", {"items": [
        {"transaction_id": "RV-J-1", "account_number": cured.account.account_number, "amount": "800.00",
         "currency": "CNY", "paid_at": timezone.now().isoformat(), "reverses": "TX-J-1"}]}, format="json").json()
    assert answer["results"][0]["result"] == "reversed"
    page.goto(f"{base}/cases/queue/")
    assert queue_row(page, cured.pk).count() == 1
    page.goto(f"{base}/cases/{cured.pk}/")
    timeline = page.locator("#timeline")
    timeline.get_by_text("还款 TX-J-1（800.00 CNY）已冲正").wait_for()
    timeline.get_by_text("结案所依据的还款已被冲正：该款项重新成为欠款。").wait_for()
    snap(page, shots, "journey-reopened-case", agent)

    page.context.clear_cookies()
    sign_in(page, base, "supervisor")
    month = timezone.localdate()
    page.goto(f"{base}/dashboards/flow/?start={month.replace(day=1)}&end={month}")
    table = page.locator("section[data-table=recovery_after_write_off]")
    assert "核销后回收" in table.inner_text() and "1200.00" in table.inner_text()
    snap(page, shots, "journey-recovery-after-write-off", supervisor)
