"""The filters every dashboard takes, and the cases and snapshot rows they leave in view."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from cases.models import Case
from cases.selectors import cases_visible_to
from dashboards.models import SnapshotTotal
from staff.models import Role, Team


@dataclass(frozen=True)
class DashboardFilters:
    """Dates are inclusive days in the portal's zone. Money figures are in `currency` only: amounts in
    different currencies are never added together."""

    start: dt.date
    end: dt.date
    currency: str
    team_id: int | None = None
    agent_id: int | None = None
    region: str = ""
    product: str = ""

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), tzinfo=ZoneInfo(settings.TIME_ZONE))

    @property
    def end_before(self) -> dt.datetime:
        """The first moment after the range."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=ZoneInfo(settings.TIME_ZONE))

    @classmethod
    def default(cls, *, today: dt.date | None = None) -> "DashboardFilters":
        """The last 90 days, in the default currency."""
        today = today or timezone.localdate()
        return cls(start=today - dt.timedelta(days=89), end=today, currency=settings.COLLECTIONS_DEFAULT_CURRENCY)


def teams_in_scope(*, user) -> QuerySet[Team]:
    """The teams whose figures `user` may see: a supervisor's own teams; every team for the other
    dashboard roles. Mirrors `cases_visible_to`, which stays the rule for cases."""
    profile = getattr(user, "profile", None)
    if profile is None:
        return Team.objects.none()
    if profile.role == Role.SUPERVISOR:
        scope = Q(supervisor=user)
        if profile.team_id:
            scope |= Q(pk=profile.team_id)
        return Team.objects.filter(scope)
    return Team.objects.all()


def _supervisor_team_ids(user) -> list[int] | None:
    profile = getattr(user, "profile", None)
    if profile is not None and profile.role == Role.SUPERVISOR:
        return list(teams_in_scope(user=user).values_list("pk", flat=True))
    return None


def dashboard_cases(*, user, filters: DashboardFilters) -> QuerySet[Case]:
    """Every case (open or closed) the user may see that matches the filters, dates aside."""
    cases = cases_visible_to(user=user).filter(currency=filters.currency)
    team_ids = _supervisor_team_ids(user)
    if team_ids is not None:
        # The same cases as the rule above; said as a list of ids it lets the planner use the team index.
        cases = cases.filter(assigned_team_id__in=team_ids)
    if filters.team_id:
        cases = cases.filter(assigned_team_id=filters.team_id)
    if filters.agent_id:
        cases = cases.filter(assigned_agent_id=filters.agent_id)
    if filters.region:
        cases = cases.filter(account__customer__region=filters.region)
    if filters.product:
        cases = cases.filter(account__product=filters.product)
    return cases


def dashboard_snapshots(*, user, filters: DashboardFilters, model=SnapshotTotal) -> QuerySet:
    """Snapshot rows (totals by default, or `SnapshotRoll` / `CaseDaySnapshot` rows) in the user's
    scope that match the filters, dates aside (each figure picks its days)."""
    if getattr(user, "profile", None) is None:
        return model.objects.none()
    rows = model.objects.filter(currency=filters.currency)
    team_ids = _supervisor_team_ids(user)
    if team_ids is not None:
        rows = rows.filter(team_id__in=team_ids)
    if filters.team_id:
        rows = rows.filter(team_id=filters.team_id)
    if filters.agent_id:
        rows = rows.filter(agent_id=filters.agent_id)
    if filters.region:
        rows = rows.filter(region=filters.region)
    if filters.product:
        rows = rows.filter(product=filters.product)
    return rows
