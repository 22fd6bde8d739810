"""Every figure against the hand-computed expectations of the October portfolio in conftest.py."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import F

from cases.models import Payment
from dashboards import selectors
from dashboards.filters import dashboard_cases, dashboard_snapshots
from dashboards.models import AttemptTotal, CaseSpanTotal, OpenCaseTotal, PaymentTotal, SnapshotRoll
from dashboards.promises import promise_outcomes
from dashboards.services import activity_totals_rebuild, open_totals_refresh
from tests.dashboards.conftest import NOW, OCTOBER

pytestmark = pytest.mark.django_db


def scope(user, filters=OCTOBER):
    return dashboard_cases(user=user, filters=filters), dashboard_snapshots(user=user, filters=filters)


def open_totals(user, filters=OCTOBER):
    open_totals_refresh(at=NOW)
    return dashboard_snapshots(user=user, filters=filters, model=OpenCaseTotal)


@pytest.fixture(params=["live", "settled"])
def activity(request):
    """The activity figures read live from the attempts and payments, or from the totals rebuilt on
    1 November with the payments reported as they were made: both must give the same figures."""

    def totals(user, filters=OCTOBER) -> dict:
        if request.param == "live":
            return {}
        Payment.objects.update(received_at=F("paid_at"))
        activity_totals_rebuild(at=NOW)
        return {"attempt_totals": dashboard_snapshots(user=user, filters=filters, model=AttemptTotal),
                "payment_totals": dashboard_snapshots(user=user, filters=filters, model=PaymentTotal)}

    return totals


@pytest.fixture(params=["cases", "counted"])
def spans(request):
    """Cure rates read from the cases, or from the case spans counted on 1 November: the same figures."""

    def totals(user, filters=OCTOBER):
        if request.param == "cases":
            return None
        open_totals_refresh(at=NOW)
        return dashboard_snapshots(user=user, filters=filters, model=CaseSpanTotal)

    return totals


def roll_rates(user, filters=OCTOBER):
    return selectors.roll_rates(totals=dashboard_snapshots(user=user, filters=filters),
                                rolls=dashboard_snapshots(user=user, filters=filters, model=SnapshotRoll),
                                start=filters.start, end=filters.end)


def test_portfolio_counts_open_cases_and_balance_by_bucket(october, supervisor):
    rows = {r["bucket"]: (r["cases"], r["balance"]) for r in selectors.portfolio_by_bucket(
        totals=open_totals(supervisor))}
    assert rows["M1"] == (1, Decimal("800.00"))
    assert rows["M3"] == (1, Decimal("1200.00"))
    assert rows["M4"] == (1, Decimal("2000.00"))
    assert rows["M2"] == (0, Decimal("0.00"))
    assert sum(n for n, _ in rows.values()) == 3  # B and E are closed, D is another team's


def test_portfolio_by_stage(october, supervisor):
    rows = {r["stage"]: (r["cases"], r["balance"]) for r in selectors.portfolio_by_stage(
        totals=open_totals(supervisor))}
    assert rows["contact"] == (1, Decimal("1200.00"))
    assert rows["follow_up"] == (1, Decimal("2000.00"))
    assert rows["confirm"] == (1, Decimal("800.00"))
    assert rows["negotiate"] == (0, Decimal("0.00"))


def test_roll_rate_follows_the_september_cohort_to_the_october_month_end(october, supervisor):
    rows = {(r["month"], r["from_bucket"]): r for r in roll_rates(supervisor)}
    m1 = rows[("2026-10", "M1")]
    # A (1,000) and B (3,000) were M1 on 30 Sep; only A rolled, carrying 1,200 on 31 Oct.
    assert (m1["opening_balance"], m1["rolled_balance"], m1["roll_rate"]) == (
        Decimal("4000.00"), Decimal("1200.00"), Decimal("0.3000"))
    assert rows[("2026-10", "M2")]["roll_rate"] == Decimal("1.0000")
    assert rows[("2026-10", "M3")]["roll_rate"] is None


def test_roll_rate_of_a_manager_includes_every_team(october, manager):
    rows = {r["from_bucket"]: r for r in roll_rates(manager)}
    # D adds 5,000 rolled out of 5,000: (1,200 + 5,000) / (4,000 + 5,000).
    assert rows["M1"]["roll_rate"] == Decimal("0.6889")


def test_cure_rate_is_cured_cases_over_cases_open_in_the_period(october, supervisor, spans):
    cases, _ = scope(supervisor)
    # Open at some moment of October: A, B, C, F (E closed in September). Cured in October: B.
    assert selectors.cure_rates(cases=cases, periods=[(OCTOBER.start_at, OCTOBER.end_before)],
                                span_totals=spans(supervisor)) == [
        {"cases": 4, "cured": 1, "cure_rate": Decimal("0.2500")}]


def test_cure_rates_of_several_months_come_from_one_query(october, supervisor, spans, django_assert_num_queries):
    cases, _ = scope(supervisor)
    span_totals = spans(supervisor)
    september = (dt.datetime(2026, 9, 1, tzinfo=NOW.tzinfo), OCTOBER.start_at)
    with django_assert_num_queries(1):
        rows = selectors.cure_rates(cases=cases, periods=[september, (OCTOBER.start_at, OCTOBER.end_before)],
                                    span_totals=span_totals)
    # September: A, B, C and E were open (F opened in October); E was cured on 25 Sep.
    assert rows == [{"cases": 4, "cured": 1, "cure_rate": Decimal("0.2500")},
                    {"cases": 4, "cured": 1, "cure_rate": Decimal("0.2500")}]


def paid_by_day(cases, totals, filters=OCTOBER):
    return selectors.payments_by_day(cases=cases, start=filters.start_at, end=filters.end_before,
                                     payment_totals=totals.get("payment_totals"))


def test_recovery_by_month_is_payments_over_the_opening_balance(october, supervisor, activity):
    cases, snapshots = scope(supervisor)
    [row] = selectors.recoveries(cases=cases, totals=snapshots, start=OCTOBER.start_at, end=OCTOBER.end_before,
                                 period="month", paid_by_day=paid_by_day(cases, activity(supervisor)))
    # 200 (A) + 3,000 (B) over the 30 Sep balance of A, B and C (6,000); D's 500 is another team's.
    assert row == {"period": "2026-10-01", "recovered": Decimal("3200.00"), "opening_balance": Decimal("6000.00"),
                   "recovery_rate": Decimal("0.5333")}


def test_recovery_by_week(october, supervisor, activity):
    cases, snapshots = scope(supervisor)
    rows = {r["period"]: r for r in selectors.recoveries(
        cases=cases, totals=snapshots, start=OCTOBER.start_at, end=OCTOBER.end_before, period="week",
        paid_by_day=paid_by_day(cases, activity(supervisor)))}
    assert list(rows) == ["2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26"]
    assert rows["2026-09-28"]["opening_balance"] == Decimal("6000.00")  # 30 Sep, first snapshot of that week
    assert rows["2026-10-05"]["recovered"] == Decimal("200.00")
    assert rows["2026-10-05"]["recovery_rate"] is None  # no snapshot on 4 Oct nor in that week
    assert rows["2026-10-12"]["opening_balance"] == Decimal("999.00")  # 15 Oct
    assert rows["2026-10-19"]["recovered"] == Decimal("3000.00")


def test_contact_funnel(october, supervisor, activity):
    cases, _ = scope(supervisor)
    totals = activity(supervisor)
    rows = {r["step"]: (r["count"], r["of_previous"]) for r in selectors.contact_funnel(
        cases=cases, start=OCTOBER.start_at, end=OCTOBER.end_before, now=NOW,
        attempt_totals=totals.get("attempt_totals"))}
    assert rows == {"attempts": (6, None), "right_party": (4, Decimal("0.6667")),
                    "promises": (3, Decimal("0.7500")), "promises_kept": (1, Decimal("0.3333"))}


def test_promises_are_counted_as_the_promise_model_judged_them(october, supervisor):
    cases, _ = scope(supervisor)
    outcome = promise_outcomes(cases=cases, start=OCTOBER.start_at, end=OCTOBER.end_before)
    assert (outcome.taken, outcome.kept, outcome.broken, outcome.pending) == (3, 1, 1, 1)


def test_a_partly_kept_promise_is_not_kept_and_a_promise_call_alone_is_no_promise(october, supervisor):
    from repayment_plans.models import Promise, PromiseStatus

    Promise.objects.filter(status=PromiseStatus.KEPT).update(status=PromiseStatus.PARTIALLY_KEPT)
    Promise.objects.filter(status=PromiseStatus.PENDING).delete()  # the call logged as a promise stays
    cases, _ = scope(supervisor)
    outcome = promise_outcomes(cases=cases, start=OCTOBER.start_at, end=OCTOBER.end_before)
    assert (outcome.taken, outcome.kept, outcome.broken, outcome.pending) == (2, 0, 2, 0)


def test_champion_and_challenger_side_by_side(october, supervisor):
    cases, _ = scope(supervisor)
    rows = {r["strategy"]: r for r in selectors.champion_challenger(
        cases=cases, start=OCTOBER.start_at, end=OCTOBER.end_before)}
    assert rows["champion"] == {"strategy": "champion", "cases": 2, "cure_rate": Decimal("0.0000"),
                                "contact_rate": Decimal("1.0000"), "contacts_per_case": Decimal("2.0000")}
    assert rows["challenger"] == {"strategy": "challenger", "cases": 2, "cure_rate": Decimal("0.5000"),
                                  "contact_rate": Decimal("0.5000"), "contacts_per_case": Decimal("1.0000")}


def test_overdue_tasks_count_people_work_past_due(october, supervisor):
    cases, _ = scope(supervisor)
    assert selectors.overdue_tasks(cases=cases, now=NOW) == [
        {"team": "华东一组 East-1", "channel": "call", "overdue": 1}]


def test_agent_scorecard_shows_quality_beside_recoveries(october, supervisor, activity):
    cases, _ = scope(supervisor)
    [row] = selectors.agent_scorecards(cases=cases, open_totals=open_totals(supervisor), start=OCTOBER.start_at,
                                       end=OCTOBER.end_before, **activity(supervisor))
    assert row == {"agent": "agent", "team": "华东一组 East-1", "open_cases": 3, "attempts": 6, "right_party": 4,
                   "promises": 3, "recovered": Decimal("3200.00"), "complaints": 2,
                   "breach_complaints": 1, "breaches": 1, "overrides": 1}


def test_filters_narrow_every_figure(october, manager, other_team, activity, spans):
    filters = OCTOBER.__class__(start=OCTOBER.start, end=OCTOBER.end, currency="CNY", team_id=other_team.pk)
    cases, snapshots = scope(manager, filters)
    assert selectors.cure_rates(cases=cases, periods=[(filters.start_at, filters.end_before)],
                                span_totals=spans(manager, filters))[0]["cases"] == 1
    [row] = selectors.recoveries(cases=cases, totals=snapshots, start=filters.start_at, end=filters.end_before,
                                 period="month", paid_by_day=paid_by_day(cases, activity(manager, filters), filters))
    assert row["recovered"] == Decimal("500.00")
    other_currency = OCTOBER.__class__(start=OCTOBER.start, end=OCTOBER.end, currency="USD")
    assert not dashboard_cases(user=manager, filters=other_currency).exists()
    assert dt.date(2026, 10, 31) == filters.end


def test_team_load_counts_open_cases_against_capacity(october, manager, team, other_team):
    team.capacity = 6
    team.save(update_fields=["capacity"])
    rows = {r["team"]: r for r in selectors.team_load(open_totals=open_totals(manager),
                                                      teams=[team, other_team])}
    assert (rows[team.name]["open_cases"], rows[team.name]["utilisation"]) == (3, Decimal("0.5000"))
    assert (rows[other_team.name]["open_cases"], rows[other_team.name]["utilisation"]) == (1, None)

