import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import F, Sum

from cases.models import Payment
from contacts.models import AttemptResult, Channel, ContactAttempt
from dashboards import selectors
from dashboards.filters import dashboard_cases, dashboard_snapshots
from dashboards.models import ActivityCount, AttemptTotal, OpenCaseTotal, PaymentTotal
from dashboards.services import activity_totals_rebuild, snapshot_take
from tests.dashboards.conftest import NOW, OCTOBER, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def rebuilt(october):
    Payment.objects.update(received_at=F("paid_at"))  # reported by the core system as they were made
    return activity_totals_rebuild(at=NOW)


def funnel(user):
    return {r["step"]: r["count"] for r in selectors.contact_funnel(
        cases=dashboard_cases(user=user, filters=OCTOBER), start=OCTOBER.start_at, end=OCTOBER.end_before, now=NOW,
        attempt_totals=dashboard_snapshots(user=user, filters=OCTOBER, model=AttemptTotal))}


def test_the_rebuild_counts_every_attempt_at_once(rebuilt):
    # A's three attempts, C's and B's promise calls and F's call: promises are counted from the promises.
    assert AttemptTotal.objects.aggregate(attempts=Sum("attempts"), overrides=Sum("overrides"),
                                          breaches=Sum("breaches")) == {"attempts": 6, "overrides": 1, "breaches": 1}


def scorecard(user):
    [row] = selectors.agent_scorecards(
        cases=dashboard_cases(user=user, filters=OCTOBER), open_totals=OpenCaseTotal.objects.none(),
        start=OCTOBER.start_at, end=OCTOBER.end_before,
        attempt_totals=dashboard_snapshots(user=user, filters=OCTOBER, model=AttemptTotal))
    return row


def test_the_scorecard_counts_breaches_from_the_contact_record_settled_and_live(rebuilt, october, supervisor, agent):
    assert (scorecard(supervisor)["breaches"], scorecard(supervisor)["breach_complaints"]) == (1, 1)
    ContactAttempt.objects.create(case=october["a"], channel=Channel.CALL, actor=agent, actor_label="agent",
                                  occurred_at=at(10, 4), result=AttemptResult.NO_ANSWER,
                                  breached_rules=["calls_per_day"])
    assert scorecard(supervisor)["breaches"] == 2
    activity_totals_rebuild(at=NOW)
    assert AttemptTotal.objects.aggregate(b=Sum("breaches"))["b"] == 2
    assert scorecard(supervisor)["breaches"] == 2


def test_the_rebuild_sums_payments_by_day_and_team(rebuilt, team, other_team):
    assert set(PaymentTotal.objects.values_list("day", "team_id", "amount")) == {
        (at(10, 10).date(), team.pk, Decimal("200.00")), (at(10, 20).date(), team.pk, Decimal("3000.00")),
        (at(10, 12).date(), other_team.pk, Decimal("500.00"))}


def test_an_attempt_logged_after_the_rebuild_is_counted_once(rebuilt, october, supervisor, agent):
    before = funnel(supervisor)
    ContactAttempt.objects.create(case=october["a"], channel=Channel.CALL, actor=agent, actor_label="agent",
                                  occurred_at=at(10, 4), result=AttemptResult.NO_ANSWER)
    assert funnel(supervisor)["attempts"] == before["attempts"] + 1 == 7


def test_a_payment_reported_after_the_rebuild_is_counted_once(rebuilt, october, supervisor):
    cases = dashboard_cases(user=supervisor, filters=OCTOBER)
    totals = dashboard_snapshots(user=supervisor, filters=OCTOBER, model=PaymentTotal)
    a = october["a"]
    Payment.objects.create(transaction_id="late-1", account=a.account, case=a, amount=Decimal("50.00"),
                           currency="CNY", paid_at=at(10, 10, 15))
    paid = selectors.payments_by_day(cases=cases, start=OCTOBER.start_at, end=OCTOBER.end_before,
                                     payment_totals=totals)
    assert paid[at(10, 10).date()] == Decimal("250.00")
    assert sum(paid.values()) == Decimal("3250.00")


def test_the_scheduled_snapshot_rebuilds_the_activity_totals(october):
    snapshot_take()
    assert ActivityCount.objects.get().last_attempt_id == ContactAttempt.objects.order_by("-id").first().pk


def test_a_promise_call_is_settled_at_once_like_any_other(october, agent):
    ContactAttempt.objects.create(case=october["a"], channel=Channel.CALL, actor=agent, actor_label="agent",
                                  occurred_at=at(10, 30), result=AttemptResult.NO_ANSWER)
    activity_totals_rebuild(at=NOW)
    assert list(AttemptTotal.objects.filter(day__gte=at(10, 22).date()).order_by("day")
                .values_list("day", "attempts")) == [(at(10, 25).date(), 1), (at(10, 30).date(), 1)]


def test_a_payment_counted_in_the_totals_and_reversed_since_is_taken_off_its_day(rebuilt, october, supervisor):
    cases = dashboard_cases(user=supervisor, filters=OCTOBER)
    totals = dashboard_snapshots(user=supervisor, filters=OCTOBER, model=PaymentTotal)
    counted = Payment.objects.filter(case__in=cases, paid_at__date=at(10, 10).date()).get()
    later = NOW + dt.timedelta(hours=1)
    Payment.objects.filter(pk=counted.pk).update(reversed_at=later)
    Payment.objects.create(transaction_id="bounce-1", account=counted.account, case=counted.case,
                           amount=counted.amount, currency="CNY", paid_at=later, received_at=later, reverses=counted)

    paid = selectors.payments_by_day(cases=cases, start=OCTOBER.start_at, end=OCTOBER.end_before,
                                     payment_totals=totals)

    assert paid[at(10, 10).date()] == Decimal("0.00")
    assert sum(paid.values()) == Decimal("3000.00")
    activity_totals_rebuild(at=later + dt.timedelta(hours=1))
    assert sum(selectors.payments_by_day(cases=cases, start=OCTOBER.start_at, end=OCTOBER.end_before,
                                         payment_totals=totals).values()) == Decimal("3000.00")
