import datetime as dt
from decimal import Decimal

import pytest

from cases.lifecycle import Outcome, Stage
from dashboards.models import CaseDaySnapshot, SnapshotDay, SnapshotRoll, SnapshotTotal
from dashboards.services import snapshot_take
from dashboards.tasks import daily_snapshot
from tests.factories import CaseFactory
from tests.workers import run_on_worker

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 10, 31)


@pytest.fixture
def cases(team, agent):
    open_case = CaseFactory(stage=Stage.CONTACT, overdue_since=DAY - dt.timedelta(days=31), assigned_team=team,
                            assigned_agent=agent, account__product="Platinum")
    closed = CaseFactory(stage=Stage.CLOSED, outcome=Outcome.CURED, closed_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
    return open_case, closed


def test_snapshot_writes_each_open_case_bucket_stage_and_balance(cases, team, agent):
    open_case, _closed = cases
    assert snapshot_take(day=DAY) == 1
    row = CaseDaySnapshot.objects.get()
    assert (row.day, row.case_id, row.bucket, row.stage, row.balance, row.currency) == (
        DAY, open_case.pk, "M2", "contact", Decimal("10225.50"), "CNY")
    assert (row.team_id, row.agent_id, row.region, row.product) == (team.pk, agent.pk, "上海", "Platinum")


@pytest.mark.parametrize(("dpd", "bucket"), [(0, "current"), (1, "M1"), (30, "M1"), (90, "M3"), (181, "M7+")])
def test_snapshot_buckets_follow_the_bucket_table(db, dpd, bucket):
    CaseFactory(overdue_since=DAY - dt.timedelta(days=dpd))
    snapshot_take(day=DAY)
    assert CaseDaySnapshot.objects.get().bucket == bucket


def test_a_second_run_the_same_day_rewrites_that_day_only(cases):
    open_case, _ = cases
    snapshot_take(day=DAY - dt.timedelta(days=1))
    snapshot_take(day=DAY)
    open_case.principal_overdue = Decimal("5000.00")
    open_case.save()
    snapshot_take(day=DAY)
    balances = dict(CaseDaySnapshot.objects.values_list("day", "balance"))
    assert dict(SnapshotDay.objects.values_list("day", "cases")) == {DAY - dt.timedelta(days=1): 1, DAY: 1}
    assert balances == {DAY - dt.timedelta(days=1): Decimal("10225.50"), DAY: Decimal("5225.50")}


def test_the_snapshot_keeps_totals_and_the_roll_from_the_previous_month_end(cases, team):
    open_case, _ = cases
    snapshot_take(day=dt.date(2026, 9, 30))
    open_case.principal_overdue = Decimal("5000.00")
    open_case.save()
    snapshot_take(day=DAY)
    assert list(SnapshotTotal.objects.filter(day=DAY).values_list("bucket", "cases", "balance")) == [
        ("M2", 1, Decimal("5225.50"))]
    # 30 Sep: DPD 0 (current); 31 Oct: M2, carrying 5,225.50.
    assert list(SnapshotRoll.objects.filter(day=DAY).values_list("cohort_day", "from_bucket", "to_bucket",
                                                                 "balance", "team_id")) == [
        (dt.date(2026, 9, 30), "current", "M2", Decimal("5225.50"), team.pk)]


def test_the_task_takes_an_iso_day(cases):
    assert daily_snapshot("2026-10-31") == 1
    assert CaseDaySnapshot.objects.filter(day=DAY).count() == 1


def test_the_daily_schedule_is_installed(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="dashboards.snapshot")
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == ("23", "50", "Asia/Shanghai")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_writes_the_snapshot(team, agent, worker):
    CaseFactory(stage=Stage.CONTACT, overdue_since=DAY - dt.timedelta(days=5), assigned_team=team)
    run_on_worker(daily_snapshot, DAY.isoformat())
    assert SnapshotDay.objects.filter(day=DAY).exists()
    assert CaseDaySnapshot.objects.get(day=DAY).bucket == "M1"
