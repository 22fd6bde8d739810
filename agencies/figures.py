"""The agencies dashboard: per agency, what it holds, what it recovers against the in-house desk, and how
it behaves (promises kept, complaints and breaches per 1,000 contacts, days to first contact, ends)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Min, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from agencies.models import CommissionLine, Placement
from cases.lifecycle import Stage
from cases.models import Case, Payment
from cases.selectors import cases_in_bucket
from complaints.models import Complaint
from contacts.models import ContactAttempt
from repayment_plans.models import Promise, PromiseStatus
from staff.models import Agency, StaffProfile

ZERO = Decimal("0")
IN_HOUSE_WINDOW_DAYS = 90


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
    # Amounts add up in one currency: the agency's placements' currency, or "" when they mix (then shown apart).
    currency: str = ""

    def ends_in(self, causes) -> list[int]:
        return [self.ends.get(value, 0) for value, _label in causes]

    @property
    def kept_rate(self) -> Decimal | None:
        return Decimal(self.promises_kept) / self.promises if self.promises else None


def _per_1000(count: int, contacts: int) -> Decimal | None:
    return (Decimal(count) * 1000 / contacts).quantize(Decimal("0.1")) if contacts else None


def in_house_recovery_rate(*, buckets: list[str], as_of: dt.datetime) -> Decimal | None:
    """Payments of the last 90 days on open cases never placed, in `buckets` now, over what those cases owed
    at the start of the window (what they owe now plus what they paid since)."""
    if not buckets:
        return None
    never_placed = Case.objects.exclude(stage=Stage.CLOSED).exclude(
        pk__in=Placement.objects.values("case_id"))
    ids = set()
    for bucket in buckets:
        ids |= set(cases_in_bucket(bucket=bucket, as_of=as_of, queryset=never_placed).values_list("pk", flat=True))
    if not ids:
        return None
    since = as_of - dt.timedelta(days=IN_HOUSE_WINDOW_DAYS)
    paid = Payment.objects.filter(case_id__in=ids, paid_at__gte=since).aggregate(s=Sum("amount"))["s"] or ZERO
    owed = Case.objects.filter(pk__in=ids).aggregate(s=Sum("total_overdue"))["s"] or ZERO
    return (paid / (owed + paid)).quantize(Decimal("0.0001")) if owed + paid else None


def agencies_figures(*, agencies, as_of: dt.datetime | None = None) -> list[AgencyFigures]:
    as_of = as_of or timezone.now()
    rows = []
    for agency in agencies:
        figures = AgencyFigures(agency=agency)
        open_placements = Placement.objects.filter(agency=agency, ended_at__isnull=True)
        figures.placed = open_placements.count()
        figures.balance = Case.objects.filter(pk__in=open_placements.values("case_id")).aggregate(
            s=Sum("total_overdue"))["s"] or ZERO
        placements = Placement.objects.filter(agency=agency)
        currencies = set(placements.values_list("currency", flat=True).distinct())
        figures.currency = currencies.pop() if len(currencies) == 1 else ""
        figures.recovered = CommissionLine.objects.filter(agency=agency).aggregate(s=Sum("recovered"))["s"] or ZERO
        placed_total = placements.aggregate(s=Sum("balance"))["s"] or ZERO
        if placed_total:
            figures.recovery_rate = (figures.recovered / placed_total).quantize(Decimal("0.0001"))
        buckets = sorted(set(placements.values_list("bucket", flat=True)))
        figures.in_house_rate = in_house_recovery_rate(buckets=buckets, as_of=as_of)
        members = StaffProfile.objects.filter(agency=agency).values("user_id")
        promises = Promise.objects.filter(taken_by__in=members)
        # Promises decided: one cancelled because its case closed another way was neither kept nor broken.
        figures.promises = promises.exclude(status__in=(PromiseStatus.PENDING, PromiseStatus.CANCELLED)).count()
        figures.promises_kept = promises.filter(status=PromiseStatus.KEPT).count()
        attempts = ContactAttempt.objects.filter(actor__in=members, direction="outbound")
        figures.contacts = attempts.count()
        breaches = attempts.exclude(breached_rules=[]).count()
        complaints = Complaint.objects.filter(
            Q(case__placements__agency=agency, received_at__gte=F("case__placements__started_at"))
            & (Q(case__placements__ended_at__isnull=True) | Q(received_at__lte=F("case__placements__ended_at")))
        ).distinct().count()
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


