"""A small hand-built portfolio for October 2026, with every figure the dashboards show worked out by hand.

Team East-1 (agent `agent`, supervisor `supervisor`):
  A  open, contact, overdue since 2026-08-15 (M3 on 1 Nov), 1,200; rolled M1→M2 in October (1,000 → 1,200)
  B  cured on 20 Oct (paid 3,000); M1 3,000 at the end of September
  C  open, follow up, overdue since 2026-07-20 (M4 on 1 Nov), 2,000; rolled M2→M3 (2,000 → 2,000)
  E  cured on 25 Sep, before the period
  F  open, confirm, opened 5 Oct, overdue since 2026-10-05 (M1 on 1 Nov), 800
Team South-1: D open, M1 5,000 → M2 5,000, paid 500 in October.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cases.lifecycle import HoldKind, Outcome, Stage
from cases.models import CaseHold
from complaints.models import Category, Complaint
from contacts.models import AttemptResult, Channel, ContactAttempt, ContactException, ScheduledContact
from dashboards.filters import DashboardFilters
from dashboards.models import CaseDaySnapshot, SnapshotDay
from dashboards.services import snapshot_aggregate
from escalation.models import CaseEscalation, PolicyVersion
from repayment_plans.models import Promise, PromiseStatus
from tests.factories import CaseFactory, PaymentFactory

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 1, 12, tzinfo=SH)
OCTOBER = DashboardFilters(start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31), currency="CNY")


def at(month, day, hour=12):
    return dt.datetime(2026, month, day, hour, tzinfo=SH)


def money(amount) -> dict:
    return {"principal_overdue": Decimal(amount), "interest_overdue": Decimal("0"), "fees_overdue": Decimal("0"),
            "penalty_overdue": Decimal("0")}


def snap(case, day, bucket, balance, team):
    return CaseDaySnapshot(day=day, case=case, bucket=bucket, stage=case.stage, balance=Decimal(balance),
                           currency="CNY", team=team, agent=case.assigned_agent, region="上海")


@pytest.fixture
def october(team, other_team, agent, other_agent, supervisor):
    own = {"assigned_team": team, "assigned_agent": agent}
    a = CaseFactory(stage=Stage.CONTACT, overdue_since=dt.date(2026, 8, 15), opened_at=at(8, 16), **money(1200),
                    **own)
    b = CaseFactory(stage=Stage.CLOSED, outcome=Outcome.CURED, closed_at=at(10, 20), overdue_since=dt.date(2026, 9, 1),
                    opened_at=at(8, 20), **money(0), **own)
    c = CaseFactory(stage=Stage.FOLLOW_UP, overdue_since=dt.date(2026, 7, 20), opened_at=at(7, 21), **money(2000),
                    **own)
    e = CaseFactory(stage=Stage.CLOSED, outcome=Outcome.CURED, closed_at=at(9, 25), overdue_since=dt.date(2026, 6, 1),
                    opened_at=at(7, 1), **money(0), **own)
    f = CaseFactory(stage=Stage.CONFIRM, overdue_since=dt.date(2026, 10, 5), opened_at=at(10, 5), **money(800),
                    **own)
    d = CaseFactory(stage=Stage.CONTACT, overdue_since=dt.date(2026, 9, 10), opened_at=at(8, 1), **money(5000),
                    assigned_team=other_team, assigned_agent=other_agent)
    sep30, oct15, oct31 = dt.date(2026, 9, 30), dt.date(2026, 10, 15), dt.date(2026, 10, 31)
    CaseDaySnapshot.objects.bulk_create([
        snap(a, sep30, "M1", "1000", team), snap(b, sep30, "M1", "3000", team), snap(c, sep30, "M2", "2000", team),
        snap(d, sep30, "M1", "5000", other_team),
        snap(a, oct15, "M2", "999", team),  # mid-month: no part of a month-end position
        snap(a, oct31, "M2", "1200", team), snap(c, oct31, "M3", "2000", team), snap(f, oct31, "M1", "800", team),
        snap(d, oct31, "M2", "5000", other_team),
    ])
    for day in (sep30, oct15, oct31):
        SnapshotDay.objects.create(day=day, cases=CaseDaySnapshot.objects.filter(day=day).count(), taken_at=NOW)
        snapshot_aggregate(day=day)
    PaymentFactory(account=a.account, case=a, amount=Decimal("200.00"), paid_at=at(10, 10))
    PaymentFactory(account=b.account, case=b, amount=Decimal("3000.00"), paid_at=at(10, 20))
    PaymentFactory(account=d.account, case=d, amount=Decimal("500.00"), paid_at=at(10, 12))

    def attempt(case, when, result, **extra):
        return ContactAttempt.objects.create(case=case, channel=Channel.CALL, actor=agent, actor_label="agent",
                                             occurred_at=when, result=result, **extra)

    attempt(a, at(10, 2), AttemptResult.NO_ANSWER, breached_rules=["hours"])  # made at 22:00: a breach
    attempt(a, at(10, 3), AttemptResult.RIGHT_PARTY, exception=ContactException.objects.create(
        case=a, reason="asked to call", granted_by=supervisor, granted_by_label="supervisor",
        valid_from=at(10, 3), valid_until=at(10, 4), used_at=at(10, 3)))
    attempt(a, at(10, 9), AttemptResult.PROMISE)  # kept: 200 paid on 10 Oct
    attempt(c, at(10, 5), AttemptResult.PROMISE)  # broken: nothing paid by 15 Oct
    attempt(f, at(10, 6), AttemptResult.THIRD_PARTY, third_party=True)
    attempt(b, at(10, 25), AttemptResult.PROMISE)  # pending on 1 Nov: the payment came before it

    # The promises those calls took, as repayment_plans evaluated them (its own tests cover how).
    for case, taken, status in ((a, at(10, 9), PromiseStatus.KEPT), (c, at(10, 5), PromiseStatus.BROKEN),
                                (b, at(10, 25), PromiseStatus.PENDING)):
        Promise.objects.create(case=case, amount=Decimal("200.00"), currency="CNY", due_date=taken.date(),
                               channel="call", status=status, taken_by=agent, taken_by_label="agent",
                               taken_at=taken)

    version = PolicyVersion.objects.order_by("pk").first()
    for case, strategy in ((a, "champion"), (c, "champion"), (b, "challenger"), (f, "challenger")):
        CaseEscalation.objects.create(case=case, strategy=strategy, policy_version=version, tier_rank=2,
                                      tier_code="T2", tier_since=at(10, 1))

    ScheduledContact.objects.create(case=a, channel=Channel.CALL, due_at=at(10, 30), idempotency_key="a-call",
                                    assigned_team=team)
    ScheduledContact.objects.create(case=c, channel=Channel.VISIT, due_at=at(11, 5), idempotency_key="c-visit",
                                    assigned_team=team)
    ScheduledContact.objects.create(case=f, channel=Channel.SMS, due_at=at(10, 30), idempotency_key="f-sms")

    for case, category in ((a, Category.CONDUCT), (c, Category.AMOUNT)):
        hold = CaseHold.objects.create(case=case, kind=HoldKind.COMPLAINT, reason="complaint",
                                       placed_by_label="agent", released_at=at(10, 21))
        Complaint.objects.create(case=case, kind="complaint", channel="phone", category=category, description="x",
                                 received_at=at(10, 18), sla_due_at=at(10, 28), hold=hold, opened_by_label="agent")
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}
