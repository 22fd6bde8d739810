"""The agencies dashboard: per agency, what it holds, what it recovers against the in-house desk, and how
it behaves (promises kept, complaints and breaches per 1,000 contacts, days to first contact, ends).

The page reads totals only: `agency_totals_refresh` (every 15 minutes) and `in_house_totals_refresh`
(hourly) count them set-based. `agencies_figures_live` counts the same figures straight from the records;
the tests hold the totals to it."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Min, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from agencies.models import AgencyFigure, AgencyTotal, CommissionLine, InHouseTotal, Placement
from cases.delinquency import BUCKET_RANGES
from cases.lifecycle import Stage
from cases.models import Case
from complaints.models import Complaint
from contacts.models import ContactAttempt
from repayment_plans.models import Promise, PromiseStatus
from staff.models import Agency, StaffProfile

ZERO = Decimal("0")
IN_HOUSE_WINDOW_DAYS = 90


@dataclass(frozen=True)
class AgencyFilters:
    """What the agencies page shows. Agencies: in `status` and serving `region` (all when empty). Money: the
    placements started from `placed_from` to `placed_to` (days in the portal's zone, open-ended when empty), in
    `bucket` at placement and in `currency` (all when empty), so a period's placements read as a cohort. The
    conduct figures (promises, contacts, complaints, breaches, days to first contact, ends) are each agency's
    whole record whatever the filters: they are counted per agency, not per placement."""

    placed_from: dt.date | None = None
    placed_to: dt.date | None = None
    bucket: str = ""
    currency: str = ""
    status: str = ""
    region: str = ""

    def agencies(self, queryset):
        if self.status:
            queryset = queryset.filter(status=self.status)
        if self.region:
            queryset = queryset.filter(regions__contains=[self.region])
        return queryset

    def totals(self, queryset):
        if self.placed_from:
            queryset = queryset.filter(placed_on__gte=self.placed_from)
        if self.placed_to:
            queryset = queryset.filter(placed_on__lte=self.placed_to)
        if self.bucket:
            queryset = queryset.filter(bucket=self.bucket)
        if self.currency:
            queryset = queryset.filter(currency=self.currency)
        return queryset


NO_FILTERS = AgencyFilters()


@dataclass
class CurrencyFigures:
    currency: str
    balance: Decimal = ZERO
    recovered: Decimal = ZERO
    recovery_rate: Decimal | None = None
    in_house_rate: Decimal | None = None


@dataclass
class AgencyFigures:
    agency: Agency
    placed: int = 0
    balance: Decimal = ZERO
    recovered: Decimal = ZERO
    recovery_rate: Decimal | None = None
    in_house_rate: Decimal | None = None
    promises: int = 0
    promises_kept: int = 0
    contacts: int = 0
    complaints_per_1000: Decimal | None = None
    breaches_per_1000: Decimal | None = None
    days_to_first_contact: Decimal | None = None
    ends: dict = field(default_factory=dict)
    # This month's complaints and outbound contacts, for the threshold (from the totals only).
    month: dt.date | None = None
    month_complaints: int = 0
    month_contacts: int = 0
    # Amounts add up in one currency: the agency's placements' currency, or "" when they mix. Then balance,
    # recovered and the recovery rate stay empty, and `by_currency` has each currency's apart.
    currency: str = ""
    by_currency: list[CurrencyFigures] = field(default_factory=list)

    def ends_in(self, causes) -> list[int]:
        return [self.ends.get(value, 0) for value, _label in causes]

    @property
    def kept_rate(self) -> Decimal | None:
        return Decimal(self.promises_kept) / self.promises if self.promises else None


def _per_1000(count: int, contacts: int) -> Decimal | None:
    return (Decimal(count) * 1000 / contacts).quantize(Decimal("0.1")) if contacts else None


def _complaints(*, agency: Agency):
    """Complaints received on a case while it was placed with the agency."""
    return Complaint.objects.filter(
        Q(case__placements__agency=agency, received_at__gte=F("case__placements__started_at"))
        & (Q(case__placements__ended_at__isnull=True) | Q(received_at__lte=F("case__placements__ended_at")))
    ).distinct()


def month_bounds(as_of: dt.datetime) -> tuple[dt.date, dt.datetime, dt.datetime]:
    """The first day of `as_of`'s month in the portal's zone, and that month's start and end instants."""
    first = timezone.localdate(as_of).replace(day=1)
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    start = dt.datetime.combine(first, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine((first + dt.timedelta(days=32)).replace(day=1), dt.time(0), tzinfo=zone)
    return first, start, end


def agency_complaints_rate(*, agency: Agency, since: dt.datetime, until: dt.datetime
                           ) -> tuple[int, int, Decimal | None]:
    """Complaints received in [since, until) on cases while placed with the agency, the outbound contacts its
    staff made in that window, and the complaints per 1,000 of those contacts (None without contacts)."""
    members = StaffProfile.objects.filter(agency=agency).values("user_id")
    contacts = ContactAttempt.objects.filter(actor__in=members, direction="outbound", occurred_at__gte=since,
                                             occurred_at__lt=until).count()
    complaints = _complaints(agency=agency).filter(received_at__gte=since, received_at__lt=until).count()
    return complaints, contacts, _per_1000(complaints, contacts)


def _bucket_sql() -> str:
    dpd = "((%(at)s AT TIME ZONE cu.timezone)::date - c.overdue_since)"
    whens = " ".join(f"WHEN {dpd} <= {last} THEN '{bucket}'" for bucket, _first, last in BUCKET_RANGES
                     if last is not None)
    open_ended = next(bucket for bucket, _first, last in BUCKET_RANGES if last is None)
    return f"CASE {whens} ELSE '{open_ended}' END"


# Built from the bucket table and fixed names only; the values travel as parameters.
IN_HOUSE_SQL = """
INSERT INTO agencies_inhousetotal (refreshed_at, bucket, currency, cases, owed, paid)
SELECT %(at)s, {bucket}, c.currency, count(*), sum(c.total_overdue), coalesce(sum(p.paid), 0)
FROM cases_case c
JOIN cases_account a ON a.id = c.account_id
JOIN cases_customer cu ON cu.id = a.customer_id
LEFT JOIN (SELECT case_id, sum(amount) AS paid FROM cases_payment WHERE paid_at >= %(since)s GROUP BY case_id) p
       ON p.case_id = c.id
WHERE c.stage <> %(closed)s AND NOT EXISTS (SELECT 1 FROM agencies_placement pl WHERE pl.case_id = c.id)
GROUP BY 2, 3
"""


@transaction.atomic
def in_house_totals_refresh(*, at: dt.datetime | None = None) -> int:
    """Replace the in-house totals with the open cases never placed as they stand at `at` (now): one DELETE
    and one INSERT … SELECT whatever the number of cases; readers see the previous refresh until this one
    commits. Returns the rows written."""
    at = at or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        # Two refreshes at once would both insert the same rows: the second waits here (readers do not).
        cursor.execute("LOCK TABLE agencies_inhousetotal IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM agencies_inhousetotal")
        cursor.execute(IN_HOUSE_SQL.format(bucket=_bucket_sql()),  # noqa: S608
                       {"at": at, "since": at - dt.timedelta(days=IN_HOUSE_WINDOW_DAYS), "closed": Stage.CLOSED})
        return cursor.rowcount


def _in_house_rate(owed: Decimal, paid: Decimal) -> Decimal | None:
    return (paid / (owed + paid)).quantize(Decimal("0.0001")) if owed + paid else None


def in_house_recovery_rate(*, buckets: list[str], currency: str) -> Decimal | None:
    """From the latest in-house totals: payments of the last 90 days on open cases never placed, in `buckets`
    and `currency`, over what those cases owed at the start of the window (what they owe now plus what they
    paid since)."""
    if not buckets:
        return None
    totals = InHouseTotal.objects.filter(bucket__in=buckets, currency=currency).aggregate(
        owed=Sum("owed"), paid=Sum("paid"))
    return _in_house_rate(totals["owed"] or ZERO, totals["paid"] or ZERO)


def agencies_figures_live(*, agencies) -> list[AgencyFigures]:
    """The same figures as `agencies_figures`, counted live from each agency's own placements, ledger and
    staff: a dozen queries per agency whose cost grows with what it holds. The definition the totals are
    checked against; the page reads the totals."""
    rows = []
    for agency in agencies:
        figures = AgencyFigures(agency=agency)
        open_placements = Placement.objects.filter(agency=agency, ended_at__isnull=True)
        figures.placed = open_placements.count()
        placements = Placement.objects.filter(agency=agency)
        # Amounts add up within one currency only: the balance placed now, what was recovered and the rate, apart.
        open_balance = dict(Case.objects.filter(pk__in=open_placements.values("case_id")).order_by()
                            .values_list("currency").annotate(s=Sum("total_overdue")))
        recovered = dict(CommissionLine.objects.filter(agency=agency).order_by().values_list("currency")
                         .annotate(s=Sum("recovered")))
        placed_total = dict(placements.order_by().values_list("currency").annotate(s=Sum("balance")))
        for currency in sorted(set(open_balance) | set(recovered) | set(placed_total)):
            got, placed = recovered.get(currency) or ZERO, placed_total.get(currency) or ZERO
            figures.by_currency.append(CurrencyFigures(
                currency=currency, balance=open_balance.get(currency) or ZERO, recovered=got,
                recovery_rate=(got / placed).quantize(Decimal("0.0001")) if placed else None))
        if len(figures.by_currency) == 1:
            only = figures.by_currency[0]
            figures.currency, figures.balance, figures.recovered = only.currency, only.balance, only.recovered
            figures.recovery_rate = only.recovery_rate
        buckets = sorted(set(placements.values_list("bucket", flat=True)))
        for row in figures.by_currency:
            row.in_house_rate = in_house_recovery_rate(buckets=buckets, currency=row.currency)
        if len(figures.by_currency) == 1:
            figures.in_house_rate = figures.by_currency[0].in_house_rate
        members = StaffProfile.objects.filter(agency=agency).values("user_id")
        promises = Promise.objects.filter(taken_by__in=members)
        # Promises decided: one cancelled because its case closed another way was neither kept nor broken.
        figures.promises = promises.exclude(status__in=(PromiseStatus.PENDING, PromiseStatus.CANCELLED)).count()
        figures.promises_kept = promises.filter(status=PromiseStatus.KEPT).count()
        attempts = ContactAttempt.objects.filter(actor__in=members, direction="outbound")
        figures.contacts = attempts.count()
        breaches = attempts.exclude(breached_rules=[]).count()
        complaints = _complaints(agency=agency).count()
        figures.complaints_per_1000 = _per_1000(complaints, figures.contacts)
        figures.breaches_per_1000 = _per_1000(breaches, figures.contacts)
        first = ContactAttempt.objects.filter(case_id=OuterRef("case_id"), actor__in=members,
                                              occurred_at__gte=OuterRef("started_at")).order_by().values("case_id")
        first = first.annotate(at=Min("occurred_at")).values("at")
        waited = placements.annotate(first_at=Subquery(first[:1])).filter(first_at__isnull=False).annotate(
            wait=ExpressionWrapper(F("first_at") - F("started_at"), output_field=DurationField()))
        average = waited.aggregate(a=Avg("wait"))["a"]
        if average is not None:
            figures.days_to_first_contact = Decimal(average.total_seconds() / 86400).quantize(Decimal("0.1"))
        figures.ends = dict(placements.filter(ended_at__isnull=False).order_by().values_list("end_cause")
                            .annotate(n=Count("id")))
        rows.append(figures)
    return rows




# --- the per-agency totals the page reads -----------------------------------------------------------------

# Per agency, currency, bucket at placement and day of placement (in the portal's zone): the open placements
# with what their cases owe now (in the case's currency), every placement with its balance placed, and the
# ledger's amounts recovered on them. Fixed names only; the values travel as parameters.
AGENCY_TOTALS_SQL = """
INSERT INTO agencies_agencytotal (refreshed_at, agency_id, currency, bucket, placed_on, placed, balance, placements,
                                  placed_balance, recovered)
SELECT %(at)s, agency_id, currency, bucket, placed_on, sum(placed), sum(balance), sum(placements),
       sum(placed_balance), sum(recovered)
FROM (
    SELECT pl.agency_id, c.currency, pl.bucket, (pl.started_at AT TIME ZONE %(zone)s)::date AS placed_on,
           count(*) AS placed, sum(c.total_overdue) AS balance, 0 AS placements, 0 AS placed_balance,
           0 AS recovered
    FROM agencies_placement pl JOIN cases_case c ON c.id = pl.case_id
    WHERE pl.ended_at IS NULL
    GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT agency_id, currency, bucket, (started_at AT TIME ZONE %(zone)s)::date, 0, 0, count(*), sum(balance), 0
    FROM agencies_placement
    GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT cl.agency_id, cl.currency, cl.bucket, (pl.started_at AT TIME ZONE %(zone)s)::date, 0, 0, 0, 0,
           sum(cl.recovered)
    FROM agencies_commissionline cl JOIN agencies_placement pl ON pl.id = cl.placement_id
    GROUP BY 1, 2, 3, 4
) parts
GROUP BY agency_id, currency, bucket, placed_on
"""

# Per agency (every agency, with or without activity): its staff's promises and outbound contacts, the
# complaints received on its cases while placed with it, the average wait from placement to its staff's
# first contact (any direction) on the case, its ended placements by cause, and this month's complaints
# and contacts.
AGENCY_FIGURES_SQL = """
INSERT INTO agencies_agencyfigure (refreshed_at, agency_id, promises, promises_kept, contacts, breaches,
                                   complaints, first_contact_wait, ends, month, month_complaints, month_contacts)
SELECT %(at)s, ag.id, coalesce(pr.promises, 0), coalesce(pr.kept, 0), coalesce(ct.contacts, 0),
       coalesce(ct.breaches, 0), coalesce(co.complaints, 0), fc.wait, coalesce(en.ends, '{}'::jsonb),
       %(month)s, coalesce(co.month_complaints, 0), coalesce(ct.month_contacts, 0)
FROM staff_agency ag
LEFT JOIN (
    SELECT sp.agency_id, count(*) FILTER (WHERE p.status <> %(pending)s) AS promises,
           count(*) FILTER (WHERE p.status = %(kept)s) AS kept
    FROM repayment_plans_promise p JOIN staff_staffprofile sp ON sp.user_id = p.taken_by_id
    WHERE sp.agency_id IS NOT NULL
    GROUP BY 1
) pr ON pr.agency_id = ag.id
LEFT JOIN (
    SELECT sp.agency_id, count(*) AS contacts, count(*) FILTER (WHERE a.breached_rules <> '{}') AS breaches,
           count(*) FILTER (WHERE a.occurred_at >= %(since)s AND a.occurred_at < %(until)s) AS month_contacts
    FROM contacts_contactattempt a JOIN staff_staffprofile sp ON sp.user_id = a.actor_id
    WHERE sp.agency_id IS NOT NULL AND a.direction = %(outbound)s
    GROUP BY 1
) ct ON ct.agency_id = ag.id
LEFT JOIN (
    SELECT pl.agency_id, count(DISTINCT co.id) AS complaints,
           count(DISTINCT co.id) FILTER (WHERE co.received_at >= %(since)s AND co.received_at < %(until)s)
               AS month_complaints
    FROM complaints_complaint co
    JOIN agencies_placement pl ON pl.case_id = co.case_id AND co.received_at >= pl.started_at
                              AND (pl.ended_at IS NULL OR co.received_at <= pl.ended_at)
    GROUP BY 1
) co ON co.agency_id = ag.id
LEFT JOIN (
    SELECT pl.agency_id, avg(f.first_at - pl.started_at) AS wait
    FROM agencies_placement pl
    CROSS JOIN LATERAL (
        SELECT min(a.occurred_at) AS first_at
        FROM contacts_contactattempt a JOIN staff_staffprofile sp ON sp.user_id = a.actor_id
        WHERE a.case_id = pl.case_id AND sp.agency_id = pl.agency_id AND a.occurred_at >= pl.started_at
    ) f
    WHERE f.first_at IS NOT NULL
    GROUP BY 1
) fc ON fc.agency_id = ag.id
LEFT JOIN (
    SELECT agency_id, jsonb_object_agg(end_cause, n) AS ends
    FROM (SELECT agency_id, end_cause, count(*) AS n FROM agencies_placement WHERE ended_at IS NOT NULL
          GROUP BY 1, 2) e
    GROUP BY 1
) en ON en.agency_id = ag.id
"""


@transaction.atomic
def agency_totals_refresh(*, at: dt.datetime | None = None) -> int:
    """Replace the per-agency totals with the placements, ledger, promises, contacts and complaints as they
    stand now (`at` stamps the refresh and picks this month): one DELETE and one INSERT … SELECT per table,
    whatever the portfolio's size; readers see the previous refresh until this one commits. Returns the rows
    written."""
    at = at or timezone.now()
    month, since, until = month_bounds(at)
    with connection.cursor() as cursor:
        # A second refresh running at once waits here, then replaces this one's rows instead of colliding with
        # them; readers are not blocked.
        cursor.execute("LOCK TABLE agencies_agencytotal, agencies_agencyfigure IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM agencies_agencytotal")
        cursor.execute("DELETE FROM agencies_agencyfigure")
        cursor.execute(AGENCY_TOTALS_SQL, {"at": at, "zone": settings.TIME_ZONE})
        written = cursor.rowcount
        cursor.execute(AGENCY_FIGURES_SQL, {"at": at, "month": month, "since": since, "until": until,
                                            "pending": PromiseStatus.PENDING, "kept": PromiseStatus.KEPT,
                                            "outbound": "outbound"})
        return written + cursor.rowcount


def agency_totals_refreshed_at() -> dt.datetime | None:
    """When the per-agency totals were last counted; None before the first refresh."""
    return AgencyFigure.objects.order_by("-refreshed_at").values_list("refreshed_at", flat=True).first()


def agencies_figures(*, agencies, filters: AgencyFilters = NO_FILTERS) -> list[AgencyFigures]:
    """Per agency of `agencies` (a queryset) that `filters` keeps, its figures from the latest refresh of the
    totals: four queries whatever the number of agencies and cases. An agency added since the refresh shows
    nothing yet."""
    agencies = list(filters.agencies(agencies).order_by("name"))
    ids = [agency.pk for agency in agencies]
    totals: dict[int, list[AgencyTotal]] = {}
    for total in filters.totals(AgencyTotal.objects.filter(agency_id__in=ids)).order_by("currency", "bucket"):
        totals.setdefault(total.agency_id, []).append(total)
    counts = {row.agency_id: row for row in AgencyFigure.objects.filter(agency_id__in=ids)}
    in_house: dict[tuple[str, str], InHouseTotal] = {(row.currency, row.bucket): row
                                                     for row in InHouseTotal.objects.all()}
    rows = []
    for agency in agencies:
        figures = AgencyFigures(agency=agency)
        own = totals.get(agency.pk, [])
        figures.placed = sum(total.placed for total in own)
        buckets = {total.bucket for total in own if total.placements}
        for currency in sorted({total.currency for total in own}):
            mine = [total for total in own if total.currency == currency]
            got, placed = sum((t.recovered for t in mine), ZERO), sum((t.placed_balance for t in mine), ZERO)
            rate = None
            if buckets:
                compared = [in_house[currency, bucket] for bucket in buckets if (currency, bucket) in in_house]
                rate = _in_house_rate(sum((t.owed for t in compared), ZERO), sum((t.paid for t in compared), ZERO))
            figures.by_currency.append(CurrencyFigures(
                currency=currency, balance=sum((t.balance for t in mine), ZERO), recovered=got,
                recovery_rate=(got / placed).quantize(Decimal("0.0001")) if placed else None, in_house_rate=rate))
        if len(figures.by_currency) == 1:
            only = figures.by_currency[0]
            figures.currency, figures.balance, figures.recovered = only.currency, only.balance, only.recovered
            figures.recovery_rate, figures.in_house_rate = only.recovery_rate, only.in_house_rate
        count = counts.get(agency.pk)
        if count is not None:
            figures.promises, figures.promises_kept, figures.contacts = (count.promises, count.promises_kept,
                                                                         count.contacts)
            figures.complaints_per_1000 = _per_1000(count.complaints, count.contacts)
            figures.breaches_per_1000 = _per_1000(count.breaches, count.contacts)
            if count.first_contact_wait is not None:
                figures.days_to_first_contact = Decimal(
                    count.first_contact_wait.total_seconds() / 86400).quantize(Decimal("0.1"))
            figures.ends = dict(count.ends)
            figures.month, figures.month_complaints, figures.month_contacts = (
                count.month, count.month_complaints, count.month_contacts)
        rows.append(figures)
    return rows
