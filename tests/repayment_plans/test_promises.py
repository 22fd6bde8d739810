import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import translation

from audit.models import AuditRecord
from cases.ingest import PaymentReport, payments_ingest
from cases.lifecycle import Stage
from cases.models import StageHistory
from cases.queue import queue_for_agent
from cases.services import case_transition
from cases.timeline import case_timeline
from contacts.governor import governor_check
from contacts.models import Channel
from core.actors import SYSTEM
from events.models import Event, EventType
from repayment_plans.errors import PromiseError, PromiseExists
from repayment_plans.models import PromiseStatus
from repayment_plans.promises import promise_deadline, promise_take, promises_evaluate
from tests.factories import CaseFactory, PaymentFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
# A Monday morning in Shanghai.
NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)


def contact_case(agent, **kwargs):
    case = CaseFactory(assigned_team=agent.profile.team, assigned_agent=agent, **kwargs)
    return case_transition(case=case, to=Stage.CONTACT, actor=SYSTEM, reason="First contact.", at=NOW)


def take(case, actor, amount="500.00", days=5, **kwargs):
    return promise_take(case=case, amount=Decimal(amount), due_date=NOW.date() + dt.timedelta(days=days),
                        channel="call", actor=actor, at=NOW, **kwargs)


def pay(case, amount: str, at: dt.datetime, tx: str):
    return payments_ingest(reports=[PaymentReport(transaction_id=tx, account_number=case.account.account_number,
                                                  amount=Decimal(amount), currency="CNY", paid_at=at)], now=at)


def test_taking_a_promise_moves_the_case_to_follow_up_audits_and_emits_promise_taken(agent):
    case = contact_case(agent)
    promise = take(case, agent, note="Salary on Friday.")
    case.refresh_from_db()
    assert case.stage == Stage.FOLLOW_UP and promise.status == PromiseStatus.PENDING
    assert promise.taken_by == agent and promise.currency == "CNY"
    event = Event.objects.get(type=EventType.PROMISE_TAKEN, case=case)
    assert event.payload["amount"] == "500.00" and event.payload["due_date"] == "2026-12-05"
    assert AuditRecord.objects.filter(action="promise.taken", case_id=case.pk, actor=agent).exists()


def test_a_promise_on_a_new_case_goes_through_contact_first(field_agent):
    case = CaseFactory(assigned_team=field_agent.profile.team)
    promise_take(case=case, amount=Decimal("100.00"), due_date=NOW.date(), channel="visit", actor=field_agent, at=NOW)
    stages = list(StageHistory.objects.filter(case=case).order_by("id").values_list("to_stage", flat=True))
    assert stages == [Stage.CONTACT, Stage.FOLLOW_UP]


@pytest.mark.parametrize(("days", "amount", "code"), [
    (31, "100.00", "invalid_date"), (-1, "100.00", "invalid_date"), (5, "0.00", "invalid_amount"),
    (5, "10.001", "invalid_amount"), (5, "99999.00", "invalid_amount"),
])
def test_a_promise_is_refused_outside_the_dates_and_amounts_allowed(agent, days, amount, code):
    case = contact_case(agent)
    with pytest.raises(PromiseError) as caught:
        take(case, agent, amount=amount, days=days)
    assert caught.value.code == code


@override_settings(PROMISE_MAX_DAYS_AHEAD=45)
def test_the_furthest_promise_date_is_a_setting(agent):
    assert take(contact_case(agent), agent, days=45).pk


def test_only_one_promise_is_in_force_per_case(agent):
    case = contact_case(agent)
    take(case, agent)
    with pytest.raises(PromiseExists):
        take(case, agent, amount="200.00")


def test_compliance_cannot_take_a_promise(agent, compliance):
    with pytest.raises(PromiseError):
        take(contact_case(agent), compliance)


def test_the_deadline_is_midnight_after_the_grace_period_in_the_cardholders_zone():
    assert promise_deadline(due_date=dt.date(2026, 12, 5), tz_name="Asia/Shanghai", grace_days=3) == dt.datetime(
        2026, 12, 9, 0, 0, tzinfo=SH)


def test_a_payment_batch_reaching_the_amount_keeps_the_promise_at_once(agent):
    case = contact_case(agent)
    promise = take(case, agent, amount="300.00")
    pay(case, "100.00", NOW + dt.timedelta(days=1), "T1")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.PENDING
    pay(case, "200.00", NOW + dt.timedelta(days=2), "T2")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT and promise.paid_amount == Decimal("300.00")
    assert Event.objects.filter(type=EventType.PROMISE_KEPT, case=case).count() == 1


def test_money_paid_before_the_promise_was_taken_does_not_count(agent):
    case = contact_case(agent)
    PaymentFactory(account=case.account, case=case, amount=Decimal("500.00"), paid_at=NOW - dt.timedelta(hours=1))
    promise = take(case, agent, amount="500.00")
    promises_evaluate(at=NOW + dt.timedelta(days=30))
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.BROKEN


def test_promise_evaluation_at_the_grace_boundary(agent):
    case = contact_case(agent)
    promise = take(case, agent, amount="300.00", days=5)
    deadline = promise_deadline(due_date=promise.due_date, tz_name="Asia/Shanghai")
    PaymentFactory(account=case.account, case=case, amount=Decimal("300.00"), paid_at=deadline)
    promises_evaluate(at=deadline - dt.timedelta(seconds=1))
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.PENDING  # still inside the grace period
    promises_evaluate(at=deadline)
    promise.refresh_from_db()
    # The payment at the deadline itself came too late.
    assert promise.status == PromiseStatus.BROKEN and promise.paid_amount == 0


def test_money_on_the_last_second_of_grace_keeps_the_promise(agent):
    case = contact_case(agent)
    promise = take(case, agent, amount="300.00", days=5)
    deadline = promise_deadline(due_date=promise.due_date, tz_name="Asia/Shanghai")
    last_second = deadline - dt.timedelta(seconds=1)
    PaymentFactory(account=case.account, case=case, amount=Decimal("300.00"), paid_at=last_second)
    promises_evaluate(at=deadline)
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT


def test_some_money_by_the_deadline_is_partially_kept_and_reopens_contact(agent):
    case = contact_case(agent)
    promise = take(case, agent, amount="300.00")
    PaymentFactory(account=case.account, case=case, amount=Decimal("120.00"), paid_at=NOW + dt.timedelta(days=1))
    promises_evaluate(at=NOW + dt.timedelta(days=20))
    promise.refresh_from_db()
    case.refresh_from_db()
    assert promise.status == PromiseStatus.PARTIALLY_KEPT and promise.paid_amount == Decimal("120.00")
    assert case.stage == Stage.CONTACT


def test_broken_promise_reopens_contact_and_emits_promise_broken(agent):
    case = contact_case(agent)
    take(case, agent)
    assert promises_evaluate(at=NOW + dt.timedelta(days=20))[PromiseStatus.BROKEN] == 1
    case.refresh_from_db()
    assert case.stage == Stage.CONTACT
    event = Event.objects.get(type=EventType.PROMISE_BROKEN, case=case)
    assert event.payload["status"] == "broken" and event.payload["paid"] == "0.00"
    # Evaluated once: a second pass changes nothing.
    assert promises_evaluate(at=NOW + dt.timedelta(days=21))[PromiseStatus.BROKEN] == 0


def test_a_broken_promise_queues_the_tier_reevaluation_in_its_own_transaction(agent):
    from core.models import OutboxTask

    case = contact_case(agent)
    take(case, agent)
    promises_evaluate(at=NOW + dt.timedelta(days=20))
    queued = OutboxTask.objects.get(task="escalation.reevaluate_tier")
    assert queued.kwargs == {"case_ids": [case.pk]}


def test_a_promise_in_force_pauses_collection_calls_until_it_breaks(agent):
    case = contact_case(agent)
    take(case, agent)
    at = NOW + dt.timedelta(days=1)
    assert "plan_pause" in [f["rule"] for f in governor_check(case=case, channel=Channel.CALL, at=at).failed]
    promises_evaluate(at=NOW + dt.timedelta(days=20))
    verdict = governor_check(case=case, channel=Channel.CALL, at=NOW + dt.timedelta(days=20, hours=1))
    assert "plan_pause" in verdict.passed


def test_the_queue_shows_promises_due_then_broken_promises(agent):
    case = contact_case(agent)
    take(case, agent, days=2)
    # Paused by the promise: no contact to make until it falls due.
    assert case.pk not in {c.pk for c in queue_for_agent(user=agent, as_of=NOW)}
    reasons = {c.pk: c.queue_rank for c in queue_for_agent(user=agent, as_of=NOW + dt.timedelta(days=3))}
    assert reasons[case.pk] == 30
    promises_evaluate(at=NOW + dt.timedelta(days=6))
    reasons = {c.pk: c.queue_rank for c in queue_for_agent(user=agent, as_of=NOW + dt.timedelta(days=6))}
    assert reasons[case.pk] == 40


def test_the_timeline_shows_the_promise_and_its_end(agent):
    case = contact_case(agent)
    take(case, agent)
    promises_evaluate(at=NOW + dt.timedelta(days=20))
    with translation.override("en"):
        texts = [entry["text"] for entry in case_timeline(case=case) if entry["kind"] == "promise"]
    assert texts == ["Promise broken: 0.00 of 500.00 CNY paid", "Promise to pay 500.00 CNY by 2026-12-05 (Phone call)"]


def test_taking_a_promise_cancels_pending_calls_and_visits_and_the_assigned_visit_leaves_the_day(
        agent, field_agent):
    from contacts.models import ScheduledContact
    from visits.models import Visit, VisitHistory
    from visits.selectors import visits_for_day, visits_withdrawn_from_day

    case = contact_case(agent)
    call = ScheduledContact.objects.create(case=case, channel=Channel.CALL, due_at=NOW, rule="T3.call",
                                           idempotency_key=f"{case.pk}:T3.call")
    sms = ScheduledContact.objects.create(case=case, channel=Channel.SMS, due_at=NOW, rule="T1.sms",
                                          idempotency_key=f"{case.pk}:T1.sms")
    start = NOW + dt.timedelta(days=1)
    visit = Visit.objects.create(case=case, origin="escalation", reason="Contact policy: T4.visit", address="上海市",
                                 requested_by_label="system", status="assigned", assigned_to=field_agent,
                                 scheduled_for=start.date(), window_start=start,
                                 window_end=start + dt.timedelta(hours=2))
    assert visits_for_day(user=field_agent, day=start.date()) == [visit]
    take(case, agent)
    call.refresh_from_db()
    sms.refresh_from_db()
    visit.refresh_from_db()
    assert (call.status, visit.status) == ("cancelled", "cancelled")
    assert call.trail[-1]["cause"] == "promise" and call.trail[-1]["by"] == "agent"
    assert sms.status == "scheduled"  # the governor holds it at delivery; reminders are not tasks
    assert VisitHistory.objects.filter(visit=visit).latest("id").reason == "Cancelled: a promise to pay was taken."
    assert visits_for_day(user=field_agent, day=start.date()) == []
    withdrawn = visits_withdrawn_from_day(user=field_agent, day=start.date())
    assert withdrawn == [visit] and withdrawn[0].withdrawn_reason == "Cancelled: a promise to pay was taken."

