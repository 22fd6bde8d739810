"""A reversed payment no longer keeps a promise or pays a plan: the negotiation capability's reaction."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.ingest import PaymentReport, payments_ingest
from cases.lifecycle import Outcome, Stage
from cases.models import StageHistory
from events.models import Event, EventType
from repayment_plans.models import PlanDecision, PlanStatus, PromiseStatus
from repayment_plans.plans import plan_accept_with_signed_copy
from repayment_plans.promises import promise_take
from tests.repayment_plans.helpers import NOW, contact_case, propose

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pay(case, amount: str, at: dt.datetime, tx: str, reverses: str | None = None):
    return payments_ingest(reports=[PaymentReport(transaction_id=tx, account_number=case.account.account_number,
                                                  amount=Decimal(amount), currency="CNY", paid_at=at,
                                                  reverses=reverses)], now=at)


def kept_promise(agent):
    case = contact_case(agent)
    promise = promise_take(case=case, amount=Decimal("500.00"), due_date=NOW.date() + dt.timedelta(days=5),
                           channel="call", actor=agent, at=NOW)
    pay(case, "500.00", NOW + dt.timedelta(days=1), "TX-1")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT
    return case, promise


def test_a_reversal_after_the_grace_period_breaks_the_promise_it_kept_and_reopens_contact(agent):
    case, promise = kept_promise(agent)

    [outcome] = pay(case, "500.00", NOW + dt.timedelta(days=12), "RV-1", reverses="TX-1")

    promise.refresh_from_db()
    case.refresh_from_db()
    assert outcome.result == "reversed"
    assert (promise.status, promise.paid_amount) == (PromiseStatus.BROKEN, Decimal("0.00"))
    assert case.stage == Stage.CONTACT
    event = Event.objects.filter(case=case, type=EventType.PROMISE_BROKEN).get()
    assert event.payload["payment_reversed"] is True


def test_a_reversal_with_other_money_in_the_window_leaves_the_promise_partially_kept(agent):
    case, promise = kept_promise(agent)
    pay(case, "100.00", NOW + dt.timedelta(days=2), "TX-2")

    pay(case, "500.00", NOW + dt.timedelta(days=12), "RV-1", reverses="TX-1")

    promise.refresh_from_db()
    assert (promise.status, promise.paid_amount) == (PromiseStatus.PARTIALLY_KEPT, Decimal("100.00"))


def test_a_reversal_before_the_deadline_makes_the_promise_pending_again(agent):
    case, promise = kept_promise(agent)

    pay(case, "500.00", NOW + dt.timedelta(days=2), "RV-1", reverses="TX-1")

    promise.refresh_from_db()
    case.refresh_from_db()
    assert promise.status == PromiseStatus.PENDING
    assert not Event.objects.filter(case=case, type=EventType.PROMISE_BROKEN).exists()


def test_a_plan_the_money_completed_is_tracked_again_and_the_settled_case_reopens_in_follow_up(agent):
    case = contact_case(agent)
    plan = plan_accept_with_signed_copy(plan=propose(case, agent, count=3, interest=20),
                                        upload=SimpleUploadedFile("s.pdf", b"%PDF-1.7"), actor=agent, at=NOW)
    for n, day in enumerate((20, 50, 80)):
        pay(case, "3398.50", NOW + dt.timedelta(days=day), f"T{n}")
    case.refresh_from_db()
    assert (case.stage, case.outcome) == (Stage.CLOSED, Outcome.SETTLED)

    pay(case, "3398.50", NOW + dt.timedelta(days=85), "RV-2", reverses="T2")

    plan.refresh_from_db()
    case.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE and plan.ended_at is None
    assert plan.paid_amount == Decimal("6797.00")
    assert [i.paid_at is not None for i in plan.instalments.order_by("number")] == [True, True, False]
    decision = PlanDecision.objects.filter(plan=plan).latest("id")
    assert (decision.from_status, decision.to_status) == (PlanStatus.COMPLETED, PlanStatus.ACTIVE)
    assert (case.stage, case.outcome) == (Stage.FOLLOW_UP, "")
    history = StageHistory.objects.filter(case=case).first()
    assert (history.from_stage, history.to_stage) == (Stage.CLOSED, Stage.FOLLOW_UP)
    assert Event.objects.filter(case=case, type=EventType.CASE_REOPENED, payload__closed_as="settled").exists()
