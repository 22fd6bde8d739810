"""The self-service funnel: links sent → opened → verified (signed in through) → what the cardholder did on
their own page (promises made, plans chosen, disputes raised) → the payments that followed.

Each step is counted on the day it happened in the portal's zone, under the case it belongs to: a link under
the case its message was about (a link made before links named their case: the cardholder's first case),
an action or a plan under its case, a payment under the case it was paid on. A payment "followed" when it
was paid on any case of a cardholder who had acted on their own page (or chosen a plan there) in the
FOLLOWING_DAYS before it; it is counted once however many actions preceded it, and summed in its case's
currency. Reversed payments and reversals never count.

`self_service_totals_refresh` keeps `SelfServiceTotal` (a few statements whatever the size, every few
minutes) and the page reads only those rows. The refresh is incremental: it rewrites the days from the
day before its previous run (events committed late land on a day rewritten again), and further back to
the day of any payment received (or reversed) since then that followed a self-service action, since the
core system reports payments with the time they were made.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone

from cases.models import Payment
from dashboards.models import SelfServiceCount, SelfServiceTotal
from dashboards.selectors import ratio
from repayment_plans.models import ApprovalKind, RepaymentPlan

# A payment made this many days after a self-service action is one that followed it.
FOLLOWING_DAYS = 30
STEPS = ("links_sent", "links_opened", "links_verified", "promises", "plans", "disputes", "payments")
# Each step's conversion is read against this step (none for the first, and for payments: a count of
# payments is not a share of anything before it).
COMPARED_WITH = {"links_opened": "links_sent", "links_verified": "links_opened", "promises": "links_verified",
                 "plans": "links_verified", "disputes": "links_verified"}
ZERO = Decimal("0.00")


def self_service_plans() -> QuerySet[RepaymentPlan]:
    """The plans cardholders chose themselves, from the offers a manager pre-approved, counted on the day they
    became active. The offers mark such a plan with `ApprovalKind.PRE_APPROVED_OFFER`; this selector is the
    one definition the funnel (and the payments that followed) reads."""
    return RepaymentPlan.objects.filter(approval_kind=ApprovalKind.PRE_APPROVED_OFFER, activated_at__isnull=False)


def _plans_sql() -> tuple[str, list]:
    sql, params = self_service_plans().values("case_id", "activated_at").order_by().query.sql_with_params()
    return sql, list(params)


# The case a link counts under: the one its message was about, else the cardholder's first case.
LINK_CASE = """COALESCE(l.case_id, (SELECT min(c2.id) FROM cases_case c2 JOIN cases_account a2 ON a2.id = c2.account_id
                                 WHERE a2.customer_id = l.customer_id))"""


def _acts_sql() -> tuple[str, list]:
    """(customer_id, at) of everything a cardholder did on their own page, a plan they chose included."""
    plans, params = _plans_sql()
    return (f"SELECT customer_id, created_at AS at FROM selfservice_cardholderaction "  # noqa: S608 (fixed names)
            f"UNION ALL SELECT a.customer_id, p.activated_at FROM ({plans}) p "
            f"JOIN cases_case c ON c.id = p.case_id JOIN cases_account a ON a.id = c.account_id"), params


def _events_sql(since: dt.datetime) -> tuple[str, list]:
    """Every funnel event at or after `since`: (at, case_id, step, amount)."""
    plans, plan_params = _plans_sql()
    acts, act_params = _acts_sql()
    window = dt.timedelta(days=FOLLOWING_DAYS)
    parts = [
        (f"SELECT l.created_at, {LINK_CASE}, 'links_sent', NULL::numeric FROM selfservice_selfservicelink l "  # noqa: S608 (fixed names; values are parameters)
         f"WHERE l.created_at >= %s", [since]),
        (f"SELECT l.first_opened_at, {LINK_CASE}, 'links_opened', NULL FROM selfservice_selfservicelink l "  # noqa: S608 (fixed names; values are parameters)
         f"WHERE l.first_opened_at >= %s", [since]),
        # A link is verified on the day of its first session; later sessions through it are not counted again.
        (f"SELECT v.at, {LINK_CASE}, 'links_verified', NULL FROM ("  # noqa: S608 (fixed names; values are parameters)
         "SELECT s.link_id, min(s.created_at) AS at FROM selfservice_cardholdersession s WHERE s.created_at >= %s "
         "AND NOT EXISTS (SELECT 1 FROM selfservice_cardholdersession e WHERE e.link_id = s.link_id "
         "AND e.created_at < %s) GROUP BY s.link_id) v JOIN selfservice_selfservicelink l ON l.id = v.link_id",
         [since, since]),
        ("SELECT x.created_at, x.case_id, CASE x.kind WHEN 'promise' THEN 'promises' ELSE 'disputes' END, NULL "
         "FROM selfservice_cardholderaction x WHERE x.kind IN ('promise', 'dispute') AND x.case_id IS NOT NULL "
         "AND x.created_at >= %s", [since]),
        (f"SELECT p.activated_at, p.case_id, 'plans', NULL FROM ({plans}) p WHERE p.activated_at >= %s",  # noqa: S608 (fixed names; values are parameters)
         [*plan_params, since]),
        # Found from the actions (few) through the payments' (case, paid_at) index, each payment once.
        ("SELECT p.paid_at, p.case_id, 'payments', p.amount FROM cases_payment p WHERE p.id IN ("  # noqa: S608 (fixed names; values are parameters)
         f"SELECT p2.id FROM ({acts}) x JOIN cases_account a ON a.customer_id = x.customer_id "
         "JOIN cases_case c ON c.account_id = a.id "
         "JOIN cases_payment p2 ON p2.case_id = c.id AND p2.paid_at >= x.at AND p2.paid_at < x.at + %s "
         "WHERE x.at >= %s AND p2.paid_at >= %s AND p2.reverses_id IS NULL AND p2.reversed_at IS NULL)",
         [*act_params, window, since - window, since]),
    ]
    return " UNION ALL ".join(sql for sql, _params in parts), [p for _sql, params in parts for p in params]


def _insert_sql(events: str) -> str:
    counts = ", ".join(f"COUNT(*) FILTER (WHERE e.step = '{step}')" for step in STEPS)
    return (f"INSERT INTO dashboards_selfservicetotal (day, currency, team_id, agent_id, region, product, "  # noqa: S608
            f"{', '.join(STEPS)}, paid_amount) "
            f"SELECT (e.at AT TIME ZONE %s)::date, c.currency, c.assigned_team_id, c.assigned_agent_id, cu.region, "
            f"a.product, {counts}, COALESCE(SUM(e.amount) FILTER (WHERE e.step = 'payments'), 0) "
            f"FROM ({events}) AS e(at, case_id, step, amount) "
            f"JOIN cases_case c ON c.id = e.case_id JOIN cases_account a ON a.id = c.account_id "
            f"JOIN cases_customer cu ON cu.id = a.customer_id "
            f"GROUP BY 1, c.currency, c.assigned_team_id, c.assigned_agent_id, cu.region, a.product")


def _late_payment_day(*, last_payment_id: int, zone: ZoneInfo) -> dt.date | None:
    """The earliest day of a payment received, or reversed, since `last_payment_id` that followed a
    self-service action: that day's figures changed. New rows only (the primary key's index)."""
    acts, params = _acts_sql()
    window = dt.timedelta(days=FOLLOWING_DAYS)
    sql = (f"SELECT min(COALESCE(o.paid_at, p.paid_at)) FROM cases_payment p "  # noqa: S608 (fixed names)
           f"LEFT JOIN cases_payment o ON o.id = p.reverses_id WHERE p.id > %s AND EXISTS ("
           f"SELECT 1 FROM ({acts}) x JOIN cases_account a ON a.customer_id = x.customer_id "
           f"JOIN cases_case c ON c.account_id = a.id WHERE c.id = COALESCE(o.case_id, p.case_id) "
           f"AND x.at <= COALESCE(o.paid_at, p.paid_at) AND x.at > COALESCE(o.paid_at, p.paid_at) - %s)")
    with connection.cursor() as cursor:
        cursor.execute(sql, [last_payment_id, *params, window])
        (earliest,) = cursor.fetchone()
    return earliest.astimezone(zone).date() if earliest else None


@transaction.atomic
def self_service_totals_refresh(*, at: dt.datetime | None = None, full: bool = False) -> int:
    """Rewrite `SelfServiceTotal` from the first day that may have changed since the previous refresh
    (every day when `full`, or the first time) and record the refresh in `SelfServiceCount`.

    Idempotent: the days rewritten are deleted and counted again from the rows themselves, so running it
    twice leaves the same totals. The count row is locked first, so concurrent refreshes run one after the
    other. Returns the number of total rows written.
    """
    at = at or timezone.now()
    zone = ZoneInfo(settings.TIME_ZONE)
    count, _created = SelfServiceCount.objects.get_or_create(pk=1, defaults={"refreshed_at": at})
    count = SelfServiceCount.objects.select_for_update().get(pk=1)
    last_payment_id = Payment.objects.aggregate(m=Max("id"))["m"] or 0
    if full or count.counted_from is None:
        start_day = None
    else:
        start_day = count.refreshed_at.astimezone(zone).date() - dt.timedelta(days=1)
        late = _late_payment_day(last_payment_id=count.last_payment_id, zone=zone)
        if late is not None:
            start_day = min(start_day, late)
    since = (dt.datetime.combine(start_day, dt.time(), tzinfo=zone) if start_day
             else dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    events, params = _events_sql(since)
    with connection.cursor() as cursor:
        if start_day is None:
            cursor.execute("DELETE FROM dashboards_selfservicetotal")
        else:
            cursor.execute("DELETE FROM dashboards_selfservicetotal WHERE day >= %s", [start_day])
        cursor.execute(_insert_sql(events), [settings.TIME_ZONE, *params])
        written = cursor.rowcount
    SelfServiceCount.objects.filter(pk=1).update(refreshed_at=at, counted_from=start_day or since.date(),
                                                 last_payment_id=last_payment_id)
    return written


# --- reading -------------------------------------------------------------------------------------------------

def self_service_refreshed_at() -> dt.datetime | None:
    """When the funnel was last counted (None: never)."""
    return SelfServiceCount.objects.filter(pk=1).values_list("refreshed_at", flat=True).first()


def self_service_funnel(*, totals: QuerySet[SelfServiceTotal], start: dt.date, end: dt.date) -> list[dict]:
    """Each step's total over the days [start, end], and its conversion from the step it follows (a Decimal
    fraction, None when that step is zero). `totals` are already narrowed to the user's scope and filters."""
    sums = totals.filter(day__gte=start, day__lte=end).aggregate(**{step: Sum(step) for step in STEPS},
                                                                  paid_amount=Sum("paid_amount"))
    counts = {step: sums[step] or 0 for step in STEPS}
    return [{"step": step, "count": counts[step], "compared_with": COMPARED_WITH.get(step),
             "conversion": ratio(counts[step], counts[COMPARED_WITH[step]]) if step in COMPARED_WITH else None,
             "amount": (sums["paid_amount"] or ZERO) if step == "payments" else None}
            for step in STEPS]


def self_service_by_day(*, totals: QuerySet[SelfServiceTotal], start: dt.date, end: dt.date) -> list[dict]:
    """The steps day by day over [start, end], oldest first; days with nothing counted are left out."""
    rows = (totals.filter(day__gte=start, day__lte=end).values("day")
            .annotate(**{step: Sum(step) for step in STEPS}, paid_amount=Sum("paid_amount")).order_by("day"))
    return [{**row, "day": row["day"].isoformat()} for row in rows]


def self_service_payments(*, totals: QuerySet[SelfServiceTotal], start: dt.date, end: dt.date) -> list[dict]:
    """The payments that followed over [start, end], counted and summed per currency: never added across."""
    return [{"currency": row["currency"], "payments": row["payments"], "paid_amount": row["paid_amount"]}
            for row in totals.filter(day__gte=start, day__lte=end).values("currency")
            .annotate(payments=Sum("payments"), paid_amount=Sum("paid_amount")).order_by("currency")
            if row["payments"]]
