"""The self-service funnel's totals against a small hand-built November, every figure worked out by hand.

Cardholder A (team East-1, agent `agent`), CNY, cases a1 and a2:
  link L1 about a1: sent 3 Nov 10:00, opened 10:05, signed in 10:07 and again on 5 Nov (verified once, 3 Nov)
  link L2 about a1: sent 4 Nov, never opened
  link L5 made before links named their case: sent 6 Nov, counted under A's first case, a1
  promise on a1 3 Nov 10:10; dispute on a1 5 Nov 11:00; a preference change (no case) 7 Nov
  a plan chosen from an offer on a2, active 8 Nov; an agent's plan on a1 (not self-service), active 9 Nov
  payments: a1 1 Nov 100 (before anything: no), a1 20 Nov 500 (followed), a1 21 Nov 200 reversed (no),
            a2 4 Dec 300 (29 days after the dispute; 31 after the promise: followed once)
Cardholder B (team South-1), CNY, case b1: link L3 sent 3 Nov, opened 4 Nov 09:00; paid 70 on 10 Nov (never acted: no)
Cardholder C (team East-1), USD, case c1: link L4 sent, opened and signed in 3 Nov, dispute 3 Nov; paid 50 USD
  on 10 Nov (followed)
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cases.lifecycle import Stage
from dashboards.filters import DashboardFilters, dashboard_snapshots
from dashboards.models import SelfServiceCount, SelfServiceTotal
from dashboards.self_service import (
    self_service_by_day,
    self_service_funnel,
    self_service_payments,
    self_service_plans,
    self_service_totals_refresh,
)
from repayment_plans.models import ApprovalKind, PlanStatus, RepaymentPlan
from selfservice.models import CardholderAction, CardholderSession, SelfServiceLink
from staff.models import StaffProfile
from tests.factories import AccountFactory, CaseFactory, CustomerFactory, PaymentFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOVEMBER = DashboardFilters(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30), currency="CNY")
TO_DECEMBER = DashboardFilters(start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 31), currency="CNY")
AFTER_ALL = dt.datetime(2026, 12, 10, 12, tzinfo=SH)


def at(month, day, hour=12, minute=0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SH)


_tokens = iter(range(10**6))


def link(customer, case, sent, opened=None):
    return SelfServiceLink.objects.create(customer=customer, case=case, token_hash=f"{next(_tokens):064d}",
                                          channel="sms", created_at=sent, expires_at=sent + dt.timedelta(days=14),
                                          first_opened_at=opened, last_opened_at=opened)


def session(link_, when):
    return CardholderSession.objects.create(key_hash=f"s{next(_tokens):063d}", link=link_, customer=link_.customer,
                                            created_at=when, last_seen_at=when)


def action(link_, case, kind, when):
    return CardholderAction.objects.create(customer=link_.customer, case=case, link=link_, kind=kind, summary=kind,
                                           created_at=when)


def plan(case, *, activated, offer, decided_by):
    return RepaymentPlan.objects.create(
        case=case, kind="instalments", status=PlanStatus.ACTIVE, currency=case.currency,
        owed_principal=Decimal("1000.00"), owed_interest=Decimal("0"), owed_fees=Decimal("0"),
        owed_penalty=Decimal("0"), waived_amount=Decimal("0"), total=Decimal("1000.00"), instalment_count=6,
        months=6, first_due_date=dt.date(2026, 12, 5), proposed_on=dt.date(2026, 11, 5), proposed_by_label="x",
        approval_kind=ApprovalKind.PRE_APPROVED_OFFER if offer else ApprovalKind.WITHIN_OWN_AUTHORITY,
        proposed_by=None if offer else decided_by, decided_by=decided_by, activated_at=activated)


@pytest.fixture
def november(team, other_team, agent, other_agent, manager):
    own = {"assigned_team": team, "assigned_agent": agent, "stage": Stage.CONTACT}
    a, b, c = CustomerFactory(), CustomerFactory(), CustomerFactory()
    a1 = CaseFactory(account=AccountFactory(customer=a), **own)
    a2 = CaseFactory(account=AccountFactory(customer=a), **own)
    b1 = CaseFactory(account=AccountFactory(customer=b), assigned_team=other_team, assigned_agent=other_agent,
                     stage=Stage.CONTACT)
    c1 = CaseFactory(account=AccountFactory(customer=c, currency="USD"), currency="USD", **own)
    l1 = link(a, a1, at(11, 3, 10), opened=at(11, 3, 10, 5))
    session(l1, at(11, 3, 10, 7))
    session(l1, at(11, 5, 9))
    link(a, a1, at(11, 4))
    link(a, None, at(11, 6))
    link(b, b1, at(11, 3), opened=at(11, 4, 9))
    l4 = link(c, c1, at(11, 3), opened=at(11, 3, 12, 1))
    session(l4, at(11, 3, 12, 2))
    action(l1, a1, CardholderAction.Kind.PROMISE, at(11, 3, 10, 10))
    action(l1, a1, CardholderAction.Kind.DISPUTE, at(11, 5, 11))
    action(l1, None, CardholderAction.Kind.PREFERENCE, at(11, 7))
    action(l4, c1, CardholderAction.Kind.DISPUTE, at(11, 3, 12, 5))
    plan(a2, activated=at(11, 8), offer=True, decided_by=manager)
    plan(a1, activated=at(11, 9), offer=False, decided_by=agent)
    PaymentFactory(account=a1.account, case=a1, amount=Decimal("100.00"), paid_at=at(11, 1))
    PaymentFactory(account=a1.account, case=a1, amount=Decimal("500.00"), paid_at=at(11, 20))
    PaymentFactory(account=a1.account, case=a1, amount=Decimal("200.00"), paid_at=at(11, 21), reversed_at=at(11, 23))
    PaymentFactory(account=a2.account, case=a2, amount=Decimal("300.00"), paid_at=at(12, 4))
    PaymentFactory(account=b1.account, case=b1, amount=Decimal("70.00"), paid_at=at(11, 10))
    PaymentFactory(account=c1.account, case=c1, amount=Decimal("50.00"), currency="USD", paid_at=at(11, 10))
    return {"a1": a1, "a2": a2, "b1": b1, "c1": c1}


def counts(user, filters=NOVEMBER):
    totals = dashboard_snapshots(user=user, filters=filters, model=SelfServiceTotal)
    return {row["step"]: row["count"] for row in self_service_funnel(totals=totals, start=filters.start,
                                                                      end=filters.end)}


def test_every_step_is_counted_by_hand(november, manager):
    self_service_totals_refresh(at=AFTER_ALL)
    assert counts(manager) == {"links_sent": 4, "links_opened": 2, "links_verified": 1, "promises": 1, "plans": 1,
                               "disputes": 1, "payments": 1}


def test_conversion_compares_each_step_with_the_one_it_follows(november, manager):
    self_service_totals_refresh(at=AFTER_ALL)
    totals = dashboard_snapshots(user=manager, filters=NOVEMBER, model=SelfServiceTotal)
    rows = {r["step"]: r for r in self_service_funnel(totals=totals, start=NOVEMBER.start, end=NOVEMBER.end)}
    assert rows["links_sent"]["conversion"] is None
    assert rows["links_opened"]["conversion"] == Decimal("0.5000")  # 2 of 4 sent
    assert rows["links_verified"]["conversion"] == Decimal("0.5000")  # 1 of 2 opened
    assert rows["promises"]["compared_with"] == "links_verified" and rows["promises"]["conversion"] == Decimal("1")
    assert rows["payments"]["conversion"] is None and rows["payments"]["amount"] == Decimal("500.00")


def test_a_payment_follows_the_latest_action_within_thirty_days_and_counts_once(november, manager):
    self_service_totals_refresh(at=AFTER_ALL)
    totals = dashboard_snapshots(user=manager, filters=TO_DECEMBER, model=SelfServiceTotal)
    assert self_service_payments(totals=totals, start=TO_DECEMBER.start, end=TO_DECEMBER.end) == [
        {"currency": "CNY", "payments": 2, "paid_amount": Decimal("800.00")}]


def test_each_currency_is_summed_apart(november, manager):
    self_service_totals_refresh(at=AFTER_ALL)
    usd = DashboardFilters(start=NOVEMBER.start, end=NOVEMBER.end, currency="USD")
    totals = dashboard_snapshots(user=manager, filters=usd, model=SelfServiceTotal)
    assert self_service_payments(totals=totals, start=usd.start, end=usd.end) == [
        {"currency": "USD", "payments": 1, "paid_amount": Decimal("50.00")}]
    assert counts(manager, usd) == {"links_sent": 1, "links_opened": 1, "links_verified": 1, "promises": 0,
                                    "plans": 0, "disputes": 1, "payments": 1}


def test_a_supervisor_sees_their_own_teams_steps(november, supervisor):
    self_service_totals_refresh(at=AFTER_ALL)
    assert counts(supervisor)["links_sent"] == 3  # B's link is South-1's
    assert counts(supervisor)["links_opened"] == 1


def test_each_step_lands_on_the_day_it_happened(november, manager):
    self_service_totals_refresh(at=AFTER_ALL)
    totals = dashboard_snapshots(user=manager, filters=NOVEMBER, model=SelfServiceTotal)
    days = {r["day"]: r for r in self_service_by_day(totals=totals, start=NOVEMBER.start, end=NOVEMBER.end)}
    assert (days["2026-11-03"]["links_sent"], days["2026-11-03"]["links_opened"],
            days["2026-11-03"]["links_verified"], days["2026-11-03"]["promises"]) == (2, 1, 1, 1)
    assert days["2026-11-04"]["links_opened"] == 1 and days["2026-11-05"]["disputes"] == 1
    assert days["2026-11-05"]["links_verified"] == 0  # a second sign-in through L1
    assert days["2026-11-08"]["plans"] == 1 and "2026-11-09" not in days  # the agent's plan is not self-service
    assert days["2026-11-20"]["paid_amount"] == Decimal("500.00")


def test_plans_chosen_are_the_plans_from_pre_approved_offers(november):
    assert list(self_service_plans().values_list("case", flat=True)) == [november["a2"].pk]


def test_refreshing_twice_changes_nothing(november, manager):
    self_service_totals_refresh(at=AFTER_ALL)
    first = sorted(SelfServiceTotal.objects.values_list("day", "currency", "links_sent", "payments", "paid_amount"))
    self_service_totals_refresh(at=AFTER_ALL + dt.timedelta(minutes=15))
    assert sorted(SelfServiceTotal.objects.values_list("day", "currency", "links_sent", "payments",
                                                       "paid_amount")) == first


def test_the_refresh_rewrites_only_the_days_that_may_have_changed(november, manager):
    self_service_totals_refresh(at=at(11, 25))
    assert SelfServiceCount.objects.get().counted_from == dt.date(1970, 1, 1)  # the first count: every day
    self_service_totals_refresh(at=at(11, 26))
    assert SelfServiceCount.objects.get().counted_from == dt.date(2026, 11, 24)
    # A row of a day before that, left alone by the refresh (and never a real count): proof it is not rewritten.
    SelfServiceTotal.objects.filter(day=dt.date(2026, 11, 3), currency="CNY").update(links_sent=99)
    self_service_totals_refresh(at=at(11, 26, 12, 15))
    assert SelfServiceTotal.objects.filter(day=dt.date(2026, 11, 3), links_sent=99).exists()


def test_a_late_payment_rewrites_its_own_day(november, manager):
    self_service_totals_refresh(at=at(11, 25))
    self_service_totals_refresh(at=at(11, 26))
    # Reported on 26 Nov, made on 12 Nov: twelve days before the days the refresh rewrites by itself.
    a1 = november["a1"]
    PaymentFactory(account=a1.account, case=a1, amount=Decimal("40.00"), paid_at=at(11, 12), received_at=at(11, 26))
    self_service_totals_refresh(at=at(11, 26, 12, 15))
    assert SelfServiceCount.objects.get().counted_from == dt.date(2026, 11, 12)
    assert counts(manager)["payments"] == 2


def test_a_reversal_takes_its_payment_out_of_the_funnel(november, manager):
    self_service_totals_refresh(at=at(11, 25))
    paid = november["a1"].payments.get(amount=Decimal("500.00"))
    PaymentFactory(account=paid.account, case=paid.case, amount=paid.amount, paid_at=at(11, 26), reverses=paid)
    type(paid).objects.filter(pk=paid.pk).update(reversed_at=at(11, 26))
    self_service_totals_refresh(at=at(11, 30))
    assert SelfServiceCount.objects.get().counted_from == dt.date(2026, 11, 20)
    assert counts(manager)["payments"] == 0


def test_the_incremental_count_matches_a_full_one(november, manager):
    self_service_totals_refresh(at=at(11, 4))
    self_service_totals_refresh(at=at(11, 21))
    self_service_totals_refresh(at=AFTER_ALL)
    incremental = counts(manager, TO_DECEMBER)
    self_service_totals_refresh(at=AFTER_ALL, full=True)
    assert counts(manager, TO_DECEMBER) == incremental


# --- the page and its exports ----------------------------------------------------------------------------------

def page(client, user, **extra):
    client.force_login(user)
    return client.get(reverse("dashboards:page", args=["selfservice"]),
                      {"start": "2026-11-01", "end": "2026-11-30", **extra})


def test_the_page_shows_the_steps_and_their_conversion(client, november, supervisor):
    self_service_totals_refresh(at=AFTER_ALL)
    response = page(client, supervisor)
    assert response.status_code == 200
    funnel = next(t for t in response.context["tables"] if t.code == "self_service_funnel")
    assert [row[:2] for row in funnel.cells()] == [
        ["Links sent", "3"], ["Links opened", "1"], ["Links verified (signed in)", "1"], ["Promises made", "1"],
        ["Plans chosen", "1"], ["Disputes raised", "1"], ["Payments that followed", "1"]]
    assert funnel.cells()[1][3] == "33.33%"
    assert "within 30 days" in response.content.decode()


def test_the_page_before_the_first_count_says_so(client, supervisor):
    response = page(client, supervisor)
    assert response.status_code == 200 and "the first count has not run yet" in response.content.decode()


def test_the_funnel_downloads_as_csv_with_what_the_page_shows(client, november, manager):
    self_service_totals_refresh(at=AFTER_ALL)
    response = page(client, manager, export="csv", table="self_service_payments")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines == ["Currency,Payments,Amount paid", "CNY,1,500.00"]


def test_the_funnel_downloads_as_excel(client, november, manager):
    from io import BytesIO

    from openpyxl import load_workbook

    self_service_totals_refresh(at=AFTER_ALL)
    response = page(client, manager, export="xlsx")
    book = load_workbook(BytesIO(response.content))
    assert {"self_service_funnel", "self_service_payments", "self_service_days"} <= set(book.sheetnames)
    rows = list(book["self_service_funnel"].values)
    assert rows[1][:2] == ("Links sent", 4)


def test_the_page_in_chinese(client, november, manager):
    self_service_totals_refresh(at=AFTER_ALL)
    StaffProfile.objects.filter(user=manager).update(language="zh-hans")
    client.force_login(manager)
    response = client.get(reverse("dashboards:page", args=["selfservice"]), {"start": "2026-11-01"})
    body = response.content.decode()
    assert "自助服务漏斗" in body and "已发送链接" in body
