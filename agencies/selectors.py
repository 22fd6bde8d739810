"""Reads of the agencies capability: the whitelist, open placements, and a month's commission figures."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum

from agencies.models import CommissionLine, Placement, Statement
from cases.models import Case, Customer
from staff.models import Agency
from staff.permissions import Capability, can

ZERO = Decimal("0.00")
REGIONS_SHOWN = 40


def cases_outside_regions(*, case_ids, agency: Agency) -> int:
    """How many of the cases have a cardholder outside the regions the agency lists (none when it lists none,
    which serves everywhere). A placement by hand may do this on purpose; the policy never does."""
    if not agency.regions:
        return 0
    return Case.objects.filter(pk__in=list(case_ids)).exclude(account__customer__region__in=agency.regions).count()


def agencies_regions(*, agencies) -> list[str]:
    """Every region the given agencies serve, in order: a few agencies, a few regions each."""
    return sorted({region for regions in agencies.values_list("regions", flat=True) for region in regions or []})


def cardholder_regions(*, among=None) -> list[str]:
    """The regions cardholders live in, spelt as the core system sends them (an agency's regions and a
    policy rule's must match exactly): the first REGIONS_SHOWN in order, or those of `among` that any
    cardholder lives in."""
    regions = Customer.objects.exclude(region="").order_by("region").values_list("region", flat=True).distinct()
    if among is not None:
        return list(regions.filter(region__in=list(among)))
    return list(regions[:REGIONS_SHOWN])


def agencies_visible_to(*, user) -> QuerySet[Agency]:
    """Every agency for in-house staff who may see agency figures, place cases or keep the whitelist; an
    agency's manager only theirs."""
    agencies = Agency.objects.annotate(
        open_placements=Count("placements", filter=Q(placements__ended_at__isnull=True)))
    if can(user, Capability.WORK_PLACED_CASES):
        # An agency's manager sees their own agency; its agents work cases, not the agency's figures.
        if not can(user, Capability.VIEW_AGENCY_FIGURES):
            return agencies.none()
        return agencies.filter(pk=user.profile.agency_id)
    if can(user, Capability.VIEW_AGENCY_FIGURES) or can(user, Capability.PLACE_CASES) \
            or can(user, Capability.MANAGE_AGENCIES):
        return agencies
    return agencies.none()


def agencies_placeable() -> QuerySet[Agency]:
    return Agency.objects.filter(status=Agency.Status.APPROVED).order_by("name")


def placement_open(*, case_id: int) -> Placement | None:
    return Placement.objects.filter(case_id=case_id, ended_at__isnull=True).select_related("agency").first()


def placements_of(*, agency: Agency) -> QuerySet[Placement]:
    return Placement.objects.filter(agency=agency).select_related("case__account__customer").order_by("-started_at")


def placement_ends_by_cause(*, agency: Agency) -> dict[str, int]:
    rows = (Placement.objects.filter(agency=agency, ended_at__isnull=False).order_by().values("end_cause")
            .annotate(n=Count("id")))
    return {row["end_cause"]: row["n"] for row in rows}


@dataclass
class StatementFigures:
    agency: Agency
    month: dt.date
    currency: str
    by_bucket: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)  # (bucket, recovered, commission)
    recovered: Decimal = ZERO
    commission: Decimal = ZERO
    recovery_rate: Decimal = Decimal("0")
    adjustment: Decimal = ZERO
    total: Decimal = ZERO
    approved: Statement | None = None


def statement_lines(*, agency: Agency, month: dt.date, currency: str) -> QuerySet[CommissionLine]:
    return (CommissionLine.objects.filter(agency=agency, statement_month=month.replace(day=1), currency=currency)
            .select_related("case__account", "payment").order_by("created_at", "pk"))


def statement_figures(*, agency: Agency, month: dt.date, currency: str) -> StatementFigures:
    """A month's statement: recovered and commission by bucket at placement, and the recovery-rate tier's
    adjustment of the month's total. The recovery rate is what was recovered over the balance placed of
    the placements that earned in the month."""
    month = month.replace(day=1)
    figures = StatementFigures(agency=agency, month=month, currency=currency,
                               approved=Statement.objects.filter(agency=agency, month=month, currency=currency).first())
    lines = statement_lines(agency=agency, month=month, currency=currency)
    rows = lines.order_by().values("bucket").annotate(recovered=Sum("recovered"), commission=Sum("amount"))
    figures.by_bucket = sorted((row["bucket"], row["recovered"], row["commission"]) for row in rows)
    figures.recovered = sum((row[1] for row in figures.by_bucket), ZERO)
    figures.commission = sum((row[2] for row in figures.by_bucket), ZERO)
    placed = Placement.objects.filter(pk__in=lines.values("placement_id"), currency=currency).aggregate(
        total=Sum("balance"))["total"]
    if placed:
        figures.recovery_rate = (figures.recovered / placed).quantize(Decimal("0.0001"))
    tiers = sorted(agency.recovery_tiers or [], key=lambda tier: Decimal(str(tier["min_rate"])))
    reached = [tier for tier in tiers if figures.recovery_rate >= Decimal(str(tier["min_rate"]))]
    if reached:
        percent = Decimal(str(reached[-1]["adjust_percent"]))
        figures.adjustment = (figures.commission * percent / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    figures.total = figures.commission + figures.adjustment
    return figures


def statement_months(*, agency: Agency) -> list[tuple[dt.date, str]]:
    return list(CommissionLine.objects.filter(agency=agency).order_by("-statement_month", "currency")
                .values_list("statement_month", "currency").distinct())


def statement_month_figures(*, agency: Agency, month: dt.date) -> list[StatementFigures]:
    """A month's statement in every currency the agency earned in, one set of figures per currency: amounts
    in different currencies are never added together."""
    month = month.replace(day=1)
    currencies = (CommissionLine.objects.filter(agency=agency, statement_month=month).order_by("currency")
                  .values_list("currency", flat=True).distinct())
    return [statement_figures(agency=agency, month=month, currency=currency) for currency in currencies]


def statement_month_list(*, agency: Agency) -> list[tuple[dt.date, list[str]]]:
    """The months with commission, newest first, each with its currencies."""
    months: dict[dt.date, list[str]] = {}
    for month, currency in statement_months(agency=agency):
        months.setdefault(month, []).append(currency)
    return list(months.items())
