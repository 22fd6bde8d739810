"""The dashboards' figures. Each takes querysets already narrowed by `dashboards.filters` and returns
plain rows, so the pages, the CSV and the Excel exports show the very same numbers.

Rates are Decimal fractions rounded to 4 places (0.2500 is 25 %), or None when the base is zero.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth

from cases.delinquency import BUCKET_RANGES, DELINQUENT_BUCKETS
from cases.lifecycle import Outcome, Stage
from cases.models import Case, Payment
from complaints.models import Category, Complaint
from contacts.models import (
    CONVERSATION_RESULTS,
    Channel,
    ContactAttempt,
    ContactStatus,
    ScheduledContact,
)
from dashboards.models import (
    ActivityCount,
    AttemptTotal,
    CaseSpanTotal,
    OpenCaseTotal,
    PaymentTotal,
    SnapshotDay,
    SnapshotRoll,
    SnapshotTotal,
)
from dashboards.promises import promise_outcomes, promises_taken

ZERO = Decimal("0.00")
BUCKETS = [bucket for bucket, _first, _last in BUCKET_RANGES]
# Complaints that allege a breach of the contact rules or of conduct, as opposed to disputes over amounts.
BREACH_CATEGORIES = (Category.CONDUCT, Category.CONTACT_FREQUENCY, Category.THIRD_PARTY, Category.PRIVACY)
# The scheduled work a person must do; automated sends are the senders' business.
TASK_CHANNELS = (Channel.CALL, Channel.VISIT, Channel.LEGAL_REVIEW)
RIGHT_PARTY = Q(result__in=CONVERSATION_RESULTS, third_party=False)


def ratio(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


def _active_between(cases: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> QuerySet[Case]:
    """Cases open at some moment of [start, end)."""
    return cases.filter(opened_at__lt=end).filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))


# --- portfolio (open-case totals) ---------------------------------------------------------------------------------

def portfolio_refreshed_at() -> dt.datetime | None:
    """When the open-case totals the live figures read were last refreshed (None: never)."""
    return OpenCaseTotal.objects.aggregate(at=Max("refreshed_at"))["at"]


def portfolio_by_bucket(*, totals: QuerySet[OpenCaseTotal]) -> list[dict]:
    """Open cases and overdue balance per bucket, from the open-case totals (DPD counted to the day of
    their refresh in the portal's zone, as the snapshot counts it, so a cardholder far west may show a
    day less here than on the case page, which uses their own zone)."""
    found = {row["bucket"]: row for row in totals.values("bucket").annotate(cases=Sum("cases"),
                                                                           balance=Sum("balance"))}
    return [{"bucket": bucket, "cases": found.get(bucket, {}).get("cases") or 0,
             "balance": found.get(bucket, {}).get("balance") or ZERO} for bucket in BUCKETS]


def portfolio_by_stage(*, totals: QuerySet[OpenCaseTotal]) -> list[dict]:
    """Open cases and overdue balance per stage, from the open-case totals."""
    found = {row["stage"]: row for row in totals.values("stage").annotate(cases=Sum("cases"),
                                                                         balance=Sum("balance"))}
    return [{"stage": stage.value, "cases": found.get(stage.value, {}).get("cases") or 0,
             "balance": found.get(stage.value, {}).get("balance") or ZERO}
            for stage in Stage if stage != Stage.CLOSED]


# --- flow (from the daily snapshot) -------------------------------------------------------------------

def snapshot_days(*, start: dt.date, end: dt.date) -> list[dt.date]:
    """The days with a snapshot in [start, end], oldest first."""
    return list(SnapshotDay.objects.filter(day__gte=start, day__lte=end).order_by("day").values_list("day", flat=True))


def month_ends(*, days: list[dt.date]) -> dict[dt.date, dt.date]:
    """First of month -> the last snapshot day of that month."""
    ends: dict[dt.date, dt.date] = {}
    for day in days:
        ends[day.replace(day=1)] = max(day, ends.get(day.replace(day=1), day))
    return ends


def roll_rates(*, totals: QuerySet[SnapshotTotal], rolls: QuerySet[SnapshotRoll], start: dt.date,
               end: dt.date) -> list[dict]:
    """Month on month, the share of each bucket's balance that rolled one bucket further.

    For a month M ending in [start, end]: the cohort is the cases in bucket B on the last snapshot day
    of M−1 (filters apply to the cohort); the rate is the balance those cases carry in bucket B+1 on
    the last snapshot day of M, over the cohort's balance in B on M−1's last day. Months without
    snapshots at both ends are left out. Reads the totals and roll rows `snapshot_take` keeps.
    """
    first_month = start.replace(day=1)
    ends = month_ends(days=snapshot_days(start=(first_month - dt.timedelta(days=1)).replace(day=1), end=end))
    rows = []
    for month, last_day in sorted(ends.items()):
        previous = ends.get((month - dt.timedelta(days=1)).replace(day=1))
        if month < first_month or previous is None:
            continue
        base = {r["bucket"]: r["balance"] for r in totals.filter(day=previous).values("bucket")
                .annotate(balance=Sum("balance"))}
        moved = {(r["from_bucket"], r["to_bucket"]): r["balance"] for r in rolls.filter(
            day=last_day, cohort_day=previous).values("from_bucket", "to_bucket").annotate(balance=Sum("balance"))}
        for from_bucket, to_bucket in zip(DELINQUENT_BUCKETS, DELINQUENT_BUCKETS[1:], strict=False):
            opening = base.get(from_bucket) or ZERO
            rolled = moved.get((from_bucket, to_bucket)) or ZERO
            rows.append({"month": month.strftime("%Y-%m"), "from_bucket": from_bucket, "to_bucket": to_bucket,
                         "opening_balance": opening, "rolled_balance": rolled, "roll_rate": ratio(rolled, opening)})
    return rows


def cure_rates(*, cases: QuerySet[Case], periods: list[tuple[dt.datetime, dt.datetime]],
               span_totals: QuerySet[CaseSpanTotal] | None = None) -> list[dict]:
    """Per period [start, end): cases closed as cured (paid in full) in it, over the cases open at some
    moment of it. One query for every period: over `span_totals` (narrowed by the same filters, as
    counted at their refresh) when given and every period runs from midnight to midnight in the
    portal's zone, else over the cases."""
    if not periods:
        return []
    days = [_local_days(start, end) for start, end in periods]
    counts = {}
    if span_totals is not None and all(days):
        for i, (first, after) in enumerate(days):
            counts[f"cases_{i}"] = Sum("cases", filter=Q(opened_day__lt=after) & (
                Q(closed_day__isnull=True) | Q(closed_day__gte=first)))
            counts[f"cured_{i}"] = Sum("cured", filter=Q(closed_day__gte=first, closed_day__lt=after))
        found = span_totals.aggregate(**counts)
    else:
        for i, (start, end) in enumerate(periods):
            counts[f"cases_{i}"] = Count("id", filter=Q(opened_at__lt=end) & (Q(closed_at__isnull=True)
                                                                            | Q(closed_at__gte=start)))
            counts[f"cured_{i}"] = Count("id", filter=Q(outcome=Outcome.CURED, closed_at__gte=start,
                                                        closed_at__lt=end))
        found = _active_between(cases, min(s for s, _e in periods), max(e for _s, e in periods)).aggregate(**counts)
    rows = []
    for i in range(len(periods)):
        active, cured = found[f"cases_{i}"] or 0, found[f"cured_{i}"] or 0
        rows.append({"cases": active, "cured": cured, "cure_rate": ratio(cured, active)})
    return rows


def _local_days(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date] | None:
    """(first day, day after the last) when [start, end) runs from midnight to midnight in the portal's zone."""
    first, after = start.astimezone(_zone()), end.astimezone(_zone())
    if first.time() != dt.time() or after.time() != dt.time():
        return None
    return first.date(), after.date()


def cure_rate(*, cases: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> dict:
    """Cases closed as cured (paid in full) in [start, end), over the cases open at some moment of it."""
    return cure_rates(cases=cases, periods=[(start, end)])[0]


def payments_by_day(*, cases: QuerySet[Case], start: dt.datetime, end: dt.datetime,
                    payment_totals: QuerySet[PaymentTotal] | None = None) -> dict[dt.date, Decimal]:
    """Payments on the filtered cases in [start, end), summed by day of payment in the portal's zone.

    With `payment_totals` (narrowed by the same filters), the payments they count are read from them
    and only the newer ones from the payments table."""
    split = _activity_split(payment_totals, start, end)
    payments = Payment.objects.counted().filter(case__in=cases, paid_at__gte=start, paid_at__lt=end)
    paid: dict[dt.date, Decimal] = {}
    if split is not None:
        count, first_day, last_day = split
        payments = payments.filter(Q(id__gt=count.last_payment_id) | Q(received_at__gte=count.received_before))
        for row in (payment_totals.filter(day__gte=first_day, day__lt=last_day).values("day")
                    .annotate(amount=Sum("amount"))):
            paid[row["day"]] = row["amount"]
        # A payment the totals counted and that bounced since: taken off its day until the next rebuild.
        for row in (_counted_then_reversed(count).filter(case__in=cases, paid_at__gte=start, paid_at__lt=end)
                    .annotate(day=TruncDate("paid_at", tzinfo=_zone())).values("day").annotate(amount=Sum("amount"))):
            paid[row["day"]] = paid.get(row["day"], ZERO) - row["amount"]
    for row in payments.annotate(day=TruncDate("paid_at", tzinfo=_zone())).values("day").annotate(
            amount=Sum("amount")):
        paid[row["day"]] = paid.get(row["day"], ZERO) + row["amount"]
    return paid


def _counted_then_reversed(count) -> QuerySet[Payment]:
    """Payments the activity totals counted (up to `count`) and reversed after the totals were rebuilt."""
    return Payment.objects.filter(id__lte=count.last_payment_id, received_at__lt=count.received_before,
                                  reverses__isnull=True, reversed_at__gte=count.rebuilt_at)


def recoveries(*, cases: QuerySet[Case], totals: QuerySet[SnapshotTotal], start: dt.datetime,
               end: dt.datetime, period: str, paid_by_day: dict[dt.date, Decimal] | None = None) -> list[dict]:
    """Amount recovered per week or month of [start, end), and the recovery rate.

    Recovered: payments on the filtered cases, by payment time in the portal's zone. Recovery rate: that
    amount over the overdue balance at the period's start, i.e. the snapshot of the day before it (or
    the period's first snapshot day when that is missing). No snapshot: no rate. `paid_by_day`, from
    `payments_by_day` over the same cases and range, lets the weekly and monthly tables share one query.
    """
    if paid_by_day is None:
        paid_by_day = payments_by_day(cases=cases, start=start, end=end)
    paid: dict[dt.date, Decimal] = {}
    for day, amount in paid_by_day.items():
        first = day - dt.timedelta(days=day.weekday()) if period == "week" else day.replace(day=1)
        paid[first] = paid.get(first, ZERO) + amount
    local_start, local_end = start.date(), (end - dt.timedelta(microseconds=1)).date()
    period_starts = []
    day = local_start - dt.timedelta(days=local_start.weekday()) if period == "week" else local_start.replace(day=1)
    while day <= local_end:
        period_starts.append(day)
        day = day + dt.timedelta(days=7) if period == "week" else (day + dt.timedelta(days=32)).replace(day=1)
    days = snapshot_days(start=period_starts[0] - dt.timedelta(days=1), end=local_end) if period_starts else []
    opening_day = {}
    for first in period_starts:
        before = [d for d in days if d == first - dt.timedelta(days=1)]
        within = [d for d in days if first <= d < first + dt.timedelta(days=7 if period == "week" else 31)]
        if before or within:
            opening_day[first] = (before or within)[0]
    balances = {r["day"]: r["balance"] for r in totals.filter(day__in=set(opening_day.values()))
                .values("day").annotate(balance=Sum("balance"))}
    rows = []
    for first in period_starts:
        amount = paid.get(first) or ZERO
        opening = balances.get(opening_day.get(first)) if first in opening_day else None
        rows.append({"period": first.isoformat(), "recovered": amount, "opening_balance": opening,
                     "recovery_rate": ratio(amount, opening) if opening is not None else None})
    return rows


def recoveries_after_write_off(*, cases: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Money received on written-off cases in [start, end), per month of payment in the portal's zone.

    Recoveries are recorded on the closed case and never reopen it; a reversed one does not count. They are
    part of the amount recovered as well, and shown apart here.
    """
    rows = (Payment.objects.counted().filter(case__in=cases, recovery=True, paid_at__gte=start, paid_at__lt=end)
            .annotate(month=TruncMonth("paid_at", tzinfo=_zone())).values("month")
            .annotate(amount=Sum("amount"), cases=Count("case", distinct=True)).order_by("month"))
    return [{"month": row["month"].strftime("%Y-%m"), "cases": row["cases"], "recovered": row["amount"]}
            for row in rows]


# --- settled activity ------------------------------------------------------------------------------------

def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def settled_attempts(*, last_attempt_id: int) -> Q:
    """The attempts the activity totals count: every one up to the last id. The figures read the newer ones
    (`~settled_attempts(...)`) from the attempts table."""
    return Q(id__lte=last_attempt_id)


def _activity_split(totals, start: dt.datetime, end: dt.datetime):
    """(ActivityCount, first day, day after the last) when `totals` can serve [start, end): both ends
    at midnight in the portal's zone and the totals rebuilt at least once. Else None: read live."""
    days = _local_days(start, end) if totals is not None else None
    if days is None:
        return None
    count = ActivityCount.objects.filter(pk=1).first()
    if count is None:
        return None
    return count, *days


def attempts_split(*, attempt_totals, start: dt.datetime, end: dt.datetime):
    """The attempts to read live, and the settled totals of [start, end) (empty when there are none)."""
    split = _activity_split(attempt_totals, start, end)
    if split is None:
        return ContactAttempt.objects.all(), AttemptTotal.objects.none()
    count, first_day, last_day = split
    live = ContactAttempt.objects.exclude(settled_attempts(last_attempt_id=count.last_attempt_id))
    return live, attempt_totals.filter(day__gte=first_day, day__lt=last_day)


# --- contact ---------------------------------------------------------------------------------------------

def contact_funnel(*, cases: QuerySet[Case], start: dt.datetime, end: dt.datetime, now: dt.datetime,
                   attempt_totals: QuerySet[AttemptTotal] | None = None) -> list[dict]:
    """Attempts → right-party contacts (the cardholder spoken to) → promises → promises kept, in [start, end).

    With `attempt_totals` (narrowed by the same filters), settled attempts are read from them and
    only the newer ones from the attempts table."""
    live, settled = attempts_split(attempt_totals=attempt_totals, start=start, end=end)
    counts = live.filter(case__in=cases, occurred_at__gte=start, occurred_at__lt=end).aggregate(
        attempts=Count("id"), right_party=Count("id", filter=RIGHT_PARTY))
    settled_counts = settled.aggregate(attempts=Sum("attempts"), right_party=Sum("right_party"))
    for key in ("attempts", "right_party"):
        counts[key] += settled_counts[key] or 0
    promises = promise_outcomes(cases=cases, start=start, end=end)
    steps = [("attempts", counts["attempts"]), ("right_party", counts["right_party"]),
             ("promises", promises.taken), ("promises_kept", promises.kept)]
    rows, previous = [], None
    for step, count in steps:
        rows.append({"step": step, "count": count, "of_previous": ratio(count, previous) if previous is not None
                     else None})
        previous = count
    return rows


def champion_challenger(*, cases: QuerySet[Case], start: dt.datetime, end: dt.datetime) -> list[dict]:
    """The strategies side by side over the cases open in [start, end): cure rate, contact rate (cases
    with a right-party contact) and cost (contact attempts per case). A case's strategy is the one the
    escalation pass recorded for it; cases the pass never placed are left out."""
    base = _active_between(cases, start, end).filter(escalation__isnull=False)
    per_case = {r["escalation__strategy"]: r for r in base.values("escalation__strategy").annotate(
        cases=Count("id"), cured=Count("id", filter=Q(outcome=Outcome.CURED, closed_at__gte=start,
                                                      closed_at__lt=end)))}
    per_attempt = {r["case__escalation__strategy"]: r for r in ContactAttempt.objects
                   .filter(case__in=base, occurred_at__gte=start, occurred_at__lt=end)
                   .values("case__escalation__strategy")
                   .annotate(attempts=Count("id"), contacted=Count("case", filter=RIGHT_PARTY, distinct=True))}
    rows = []
    for strategy in ("champion", "challenger"):
        c = per_case.get(strategy, {"cases": 0, "cured": 0})
        a = per_attempt.get(strategy, {"attempts": 0, "contacted": 0})
        rows.append({"strategy": strategy, "cases": c["cases"], "cure_rate": ratio(c["cured"], c["cases"]),
                     "contact_rate": ratio(a["contacted"], c["cases"]),
                     "contacts_per_case": ratio(a["attempts"], c["cases"])})
    return rows


# --- work ------------------------------------------------------------------------------------------------

def overdue_tasks(*, cases: QuerySet[Case], now: dt.datetime) -> list[dict]:
    """Calls, visits and reviews still scheduled after their due time, per team and channel."""
    return [{"team": r["case__assigned_team__name"] or "—", "channel": r["channel"],
             "overdue": r["overdue"]}
            for r in ScheduledContact.objects.filter(case__in=cases, status=ContactStatus.SCHEDULED,
                                                     channel__in=TASK_CHANNELS, due_at__lt=now)
            .values("case__assigned_team__name", "channel").annotate(overdue=Count("id"))
            .order_by("case__assigned_team__name", "channel")]


# --- teams and agents -----------------------------------------------------------------------------------

def agent_scorecards(*, cases: QuerySet[Case], open_totals: QuerySet[OpenCaseTotal], start: dt.datetime,
                     end: dt.datetime, attempt_totals: QuerySet[AttemptTotal] | None = None,
                     payment_totals: QuerySet[PaymentTotal] | None = None) -> list[dict]:
    """Per agent: productivity (open cases, attempts, right-party contacts, promises, amount recovered)
    beside quality (complaints, complaints alleging a rule breach, contacts the record holds as breaches of
    the contact rules, contacts made under a supervisor's exception), never recoveries alone. Figures are
    of the filtered cases (open cases: of their open-case totals); attempts, breaches and exceptions are
    counted for who made them, payments and complaints for the case's assigned agent.
    With the attempt and payment totals, settled activity is read from them and only the newer rows
    from their tables."""
    from django.contrib.auth import get_user_model

    rows: dict[int, dict] = {}

    def row(agent_id):
        return rows.setdefault(agent_id, {"open_cases": 0, "attempts": 0, "right_party": 0, "promises": 0,
                                          "recovered": ZERO, "complaints": 0, "breach_complaints": 0, "breaches": 0,
                                          "overrides": 0})

    for r in open_totals.filter(agent__isnull=False).values("agent").annotate(n=Sum("cases")):
        row(r["agent"])["open_cases"] = r["n"]
    live, settled = attempts_split(attempt_totals=attempt_totals, start=start, end=end)
    figures = ("attempts", "right_party", "overrides", "breaches")
    for r in settled.filter(actor__isnull=False).values("actor").annotate(
            attempts=Sum("attempts"), right_party=Sum("right_party"), overrides=Sum("overrides"),
            breaches=Sum("breaches")):
        row(r["actor"]).update({key: r[key] for key in figures})
    for r in (live.filter(case__in=cases, occurred_at__gte=start, occurred_at__lt=end, actor__isnull=False)
              .values("actor").annotate(attempts=Count("id"), right_party=Count("id", filter=RIGHT_PARTY),
                                        overrides=Count("id", filter=Q(exception__isnull=False)),
                                        breaches=Count("id", filter=~Q(breached_rules=[])))):
        figures_of = row(r["actor"])
        for key in figures:
            figures_of[key] += r[key]
    # Promises from the promises themselves, for who took them.
    for r in (promises_taken(cases=cases, start=start, end=end).filter(taken_by__isnull=False)
              .values("taken_by").annotate(n=Count("id"))):
        row(r["taken_by"])["promises"] = r["n"]
    split = _activity_split(payment_totals, start, end)
    payments = Payment.objects.counted().filter(case__in=cases, paid_at__gte=start, paid_at__lt=end,
                                                case__assigned_agent__isnull=False)
    if split is not None:
        count, first_day, last_day = split
        payments = payments.filter(Q(id__gt=count.last_payment_id) | Q(received_at__gte=count.received_before))
        for r in (payment_totals.filter(day__gte=first_day, day__lt=last_day, agent__isnull=False)
                  .values("agent").annotate(amount=Sum("amount"))):
            row(r["agent"])["recovered"] += r["amount"]
    for r in payments.values("case__assigned_agent").annotate(amount=Sum("amount")):
        row(r["case__assigned_agent"])["recovered"] += r["amount"]
    for r in (Complaint.objects.filter(case__in=cases, received_at__gte=start, received_at__lt=end,
                                       case__assigned_agent__isnull=False)
              .values("case__assigned_agent").annotate(
                  complaints=Count("id"), breach_complaints=Count("id", filter=Q(category__in=BREACH_CATEGORIES)))):
        row(r["case__assigned_agent"]).update(complaints=r["complaints"], breach_complaints=r["breach_complaints"])
    users = get_user_model().objects.filter(pk__in=rows).select_related("profile__team")
    names = {u.pk: (u.get_username(), getattr(getattr(u, "profile", None), "team", None)) for u in users}
    return sorted(({"agent": names.get(pk, ("?", None))[0], "team": str(names.get(pk, ("?", None))[1] or "—"),
                    **figures} for pk, figures in rows.items()), key=lambda r: (r["team"], r["agent"]))


def team_load(*, open_totals: QuerySet[OpenCaseTotal], teams) -> list[dict]:
    """Per team: open cases (from the open-case totals) against the capacity set for it."""
    load = {r["team"]: r["n"] for r in open_totals.values("team").annotate(n=Sum("cases"))}
    return [{"team": team.name, "open_cases": load.get(team.pk, 0), "capacity": team.capacity,
             "utilisation": ratio(load.get(team.pk, 0), team.capacity)} for team in teams]


def month_starts(*, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.datetime, dt.datetime]]:
    """Each month touching [start, end]: (first day, first moment in the range, first moment after it)."""
    from zoneinfo import ZoneInfo

    from django.conf import settings

    zone = ZoneInfo(settings.TIME_ZONE)
    months, month = [], start.replace(day=1)
    while month <= end:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        lo, hi = max(month, start), min(following - dt.timedelta(days=1), end) + dt.timedelta(days=1)
        months.append((month, dt.datetime.combine(lo, dt.time(), tzinfo=zone),
                       dt.datetime.combine(hi, dt.time(), tzinfo=zone)))
        month = following
    return months
