"""The agencies dashboard: per agency, what it holds, what it recovers against the in-house desk, and how
it behaves (promises kept, complaints and breaches per 1,000 contacts, days to first contact, ends)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Min, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from agencies.models import CommissionLine, InHouseTotal, Placement
from cases.delinquency import BUCKET_RANGES
from cases.lifecycle import Stage
from cases.models import Case
from complaints.models import Complaint
from contacts.models import ContactAttempt
from repayment_plans.models import Promise, PromiseStatus
from staff.models import Agency, StaffProfile

ZERO = Decimal("0")
IN_HOUSE_WINDOW_DAYS = 90


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
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM agencies_inhousetotal")
        cursor.execute(IN_HOUSE_SQL.format(bucket=_bucket_sql()),  # noqa: S608
                       {"at": at, "since": at - dt.timedelta(days=IN_HOUSE_WINDOW_DAYS), "closed": Stage.CLOSED})
        return cursor.rowcount


def in_house_recovery_rate(*, buckets: list[str], currency: str) -> Decimal | None:
    """From the latest in-house totals: payments of the last 90 days on open cases never placed, in `buckets`
    and `currency`, over what those cases owed at the start of the window (what they owe now plus what they
    paid since)."""
    if not buckets:
        return None
    totals = InHouseTotal.objects.filter(bucket__in=buckets, currency=currency).aggregate(
        owed=Sum("owed"), paid=Sum("paid"))
    owed, paid = totals["owed"] or ZERO, totals["paid"] or ZERO
    return (paid / (owed + paid)).quantize(Decimal("0.0001")) if owed + paid else None


def agencies_figures(*, agencies) -> list[AgencyFigures]:
    """Per agency, a few indexed queries over its own placements, ledger and staff; the in-house comparison
    reads the pre-aggregated InHouseTotal, so the page's cost does not grow with the portfolio."""
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


