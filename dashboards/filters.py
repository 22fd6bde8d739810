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


def _filtered(rows: QuerySet, *, user, filters: DashboardFilters, columns: dict[str, str]) -> QuerySet:
    """`rows` narrowed to the supervisor's teams and the filters given, through `columns` (the lookup for
    team, agent, region and product on these rows). Cases and snapshot rows share this one reading."""
    rows = rows.filter(currency=filters.currency)
    team_ids = _supervisor_team_ids(user)
    if team_ids is not None:
        # The same rows as the scope rule; said as a list of ids it lets the planner use the team index.
        rows = rows.filter(**{f"{columns['team']}__in": team_ids})
    for name, value in (("team", filters.team_id), ("agent", filters.agent_id), ("region", filters.region),
                        ("product", filters.product)):
        if value:
            rows = rows.filter(**{columns[name]: value})
    return rows


CASE_COLUMNS = {"team": "assigned_team_id", "agent": "assigned_agent_id", "region": "account__customer__region",
                "product": "account__product"}
SNAPSHOT_COLUMNS = {"team": "team_id", "agent": "agent_id", "region": "region", "product": "product"}


def dashboard_cases(*, user, filters: DashboardFilters) -> QuerySet[Case]:
    """Every case (open or closed) the user may see that matches the filters, dates aside."""
    return _filtered(cases_visible_to(user=user), user=user, filters=filters, columns=CASE_COLUMNS)


def dashboard_snapshots(*, user, filters: DashboardFilters, model=SnapshotTotal) -> QuerySet:
    """Snapshot rows (totals by default, or `SnapshotRoll` / `CaseDaySnapshot` rows) in the user's
    scope that match the filters, dates aside (each figure picks its days)."""
    if getattr(user, "profile", None) is None:
        return model.objects.none()
    return _filtered(model.objects.all(), user=user, filters=filters, columns=SNAPSHOT_COLUMNS)
