import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection, transaction

from cases.ingest import PaymentReport, payments_ingest
from cases.lifecycle import Outcome, Stage
from contacts.governor import PURPOSE_INSTALMENT_REMINDER, governor_check
from contacts.models import Channel
from events.models import Event, EventType
from repayment_plans.models import PlanStatus, RepaymentPlan
from repayment_plans.plans import plan_accept_with_signed_copy
from repayment_plans.tracking import instalment_deadline, plans_check
from tests.repayment_plans.helpers import NOW, SH, contact_case, propose

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def activate(plan, actor, at=NOW):
    return plan_accept_with_signed_copy(plan=plan, upload=SimpleUploadedFile("s.pdf", b"%PDF-1.7"), actor=actor, at=at)


def active_plan(agent, **waivers):
    """Three monthly instalments of the factory case's 10,225.50 (less waivers), from 2026-12-30."""
    case = contact_case(agent)
    return activate(propose(case, agent, count=3, **waivers), agent)


def pay(plan, amount: str, at: dt.datetime, tx: str) -> None:
    payments_ingest(reports=[PaymentReport(transaction_id=tx, account_number=plan.case.account.account_number,
                                           amount=Decimal(amount), currency="CNY", paid_at=at)], now=at)


def instalments(plan):
    return [(i.paid_amount, i.paid_at is not None) for i in plan.instalments.order_by("number")]


def test_a_partial_payment_part_pays_the_first_instalment(agent):
    plan = active_plan(agent)
    pay(plan, "1000.00", NOW + dt.timedelta(days=3), "T1")
    plan.refresh_from_db()
    assert instalments(plan) == [(Decimal("1000.00"), False), (0, False), (0, False)]
    assert plan.paid_amount == Decimal("1000.00") and plan.status == PlanStatus.ACTIVE


def test_an_early_payment_pays_ahead_into_the_next_instalments(agent):
    plan = active_plan(agent)
    pay(plan, "5000.00", NOW + dt.timedelta(days=3), "T1")
    assert instalments(plan) == [(Decimal("3408.50"), True), (Decimal("1591.50"), False), (0, False)]


def test_an_excess_payment_completes_the_plan_and_is_kept_as_excess(agent):
    plan = active_plan(agent, interest=20)  # 10,195.50 agreed of 10,225.50 owed
    pay(plan, "10200.00", NOW + dt.timedelta(days=3), "T1")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED and plan.excess_amount == Decimal("4.50")
    assert all(paid for _amount, paid in instalments(plan))


def test_a_completed_plan_closes_the_case_as_settled(agent):
    plan = active_plan(agent, interest=20)
    for n, day in enumerate((20, 50, 80)):
        pay(plan, "3398.50", NOW + dt.timedelta(days=day), f"T{n}")
    plan.refresh_from_db()
    plan.case.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED
    assert (plan.case.stage, plan.case.outcome) == (Stage.CLOSED, Outcome.SETTLED)
    assert plan.case.total_overdue == Decimal("30.00")  # the waived interest
    assert Event.objects.filter(type=EventType.CASE_CLOSED, case=plan.case, payload__outcome="settled").exists()


def test_money_paid_between_proposal_and_acceptance_counts(agent):
    case = contact_case(agent)
    plan = propose(case, agent, count=3)
    payments_ingest(reports=[PaymentReport(transaction_id="EARLY", account_number=case.account.account_number,
                                           amount=Decimal("500.00"), currency="CNY",
                                           paid_at=NOW + dt.timedelta(hours=1))], now=NOW + dt.timedelta(hours=1))
    plan = activate(plan, agent, at=NOW + dt.timedelta(hours=2))
    assert plan.paid_amount == Decimal("500.00")


def test_a_missed_instalment_breaks_the_plan_only_after_its_grace_period(agent):
    plan = active_plan(agent)
    deadline = instalment_deadline(due_date=dt.date(2026, 12, 30), tz_name="Asia/Shanghai")
    assert deadline == dt.datetime(2027, 1, 3, tzinfo=SH)
    assert plans_check(at=deadline - dt.timedelta(seconds=1)) == {"completed": 0, "broken": 0}
    assert plans_check(at=deadline) == {"completed": 0, "broken": 1}
    plan.refresh_from_db()
    plan.case.refresh_from_db()
    assert plan.status == PlanStatus.BROKEN and plan.case.stage == Stage.CONTACT
    event = Event.objects.get(type=EventType.PLAN_BROKEN, case=plan.case)
    assert event.payload["late_instalments"] == 1


def test_one_late_instalment_is_tolerated_when_the_setting_allows(agent, settings):
    settings.PLAN_LATE_INSTALMENTS_TOLERATED = 1
    plan = active_plan(agent)
    pay(plan, "3408.50", dt.datetime(2027, 1, 5, tzinfo=SH), "LATE")  # first instalment, after its grace
    assert plans_check(at=dt.datetime(2027, 1, 6, tzinfo=SH))["broken"] == 0
    assert plans_check(at=dt.datetime(2027, 2, 3, tzinfo=SH))["broken"] == 1  # the second is missed too


def test_a_plan_in_good_standing_stops_calls_but_not_instalment_reminders(agent):
    plan = active_plan(agent)
    at = NOW + dt.timedelta(days=2)
    verdict = governor_check(case=plan.case, channel=Channel.CALL, at=at)
    assert [f["rule"] for f in verdict.failed] == ["plan_pause"]
    assert governor_check(case=plan.case, channel=Channel.SMS, at=at, purpose=PURPOSE_INSTALMENT_REMINDER).allowed


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["acceptance", "payment"])
def test_a_payment_posted_while_the_plan_is_accepted_is_allocated_whichever_commits_first(agent, first):
    assert connection.vendor == "postgresql"
    plan = propose(contact_case(agent), agent, count=3)
    started, errors = threading.Event(), []

    def accept():
        close_old_connections()
        try:
            with transaction.atomic():
                if first == "payment":
                    started.wait(timeout=10)
                activate(RepaymentPlan.objects.get(pk=plan.pk), agent, at=NOW + dt.timedelta(hours=1))
                if first == "acceptance":
                    started.set()
                    threading.Event().wait(0.5)  # hold the locks while the payment arrives
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    def post():
        close_old_connections()
        try:
            at = NOW + dt.timedelta(hours=2)
            if first == "acceptance":
                started.wait(timeout=10)
            with transaction.atomic():
                payments_ingest(reports=[PaymentReport(transaction_id="RACE", amount=Decimal("4000.00"),
                                                       account_number=plan.case.account.account_number,
                                                       currency="CNY", paid_at=at)], now=at)
                if first == "payment":
                    started.set()
                    threading.Event().wait(0.5)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept), threading.Thread(target=post)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and plan.paid_amount == Decimal("4000.00")
    assert instalments(plan) == [(Decimal("3408.50"), True), (Decimal("591.50"), False), (0, False)]


def test_an_instalment_counts_as_paid_when_the_money_was_paid_not_when_it_was_reported(agent, settings):
    plan = active_plan(agent)
    on_time = dt.datetime(2026, 12, 29, 12, tzinfo=SH)
    # Paid the day before it fell due; the core system reports it a week later.
    payments_ingest(reports=[PaymentReport(transaction_id="SLOW", account_number=plan.case.account.account_number,
                                           amount=Decimal("3408.50"), currency="CNY", paid_at=on_time)],
                    now=on_time + dt.timedelta(days=7))
    assert plan.instalments.get(number=1).paid_at == on_time
    assert plans_check(at=dt.datetime(2027, 1, 6, tzinfo=SH))["broken"] == 0


def test_a_broken_promise_leaves_a_case_that_follows_an_active_plan_with_the_plan(agent):
    from repayment_plans.models import PromiseStatus
    from repayment_plans.promises import promise_take, promises_evaluate

    plan = active_plan(agent)
    promise = promise_take(case=plan.case, amount=Decimal("100.00"), due_date=NOW.date(), channel="call",
                           actor=agent, at=NOW)
    promises_evaluate(at=NOW + dt.timedelta(days=10))
    promise.refresh_from_db()
    plan.case.refresh_from_db()
    assert promise.status == PromiseStatus.BROKEN and plan.case.stage == Stage.FOLLOW_UP
