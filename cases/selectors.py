"""Reads of cases. Views, the API and tasks ask here rather than building their own querysets."""

import datetime as dt
from collections.abc import Callable

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from cases.delinquency import local_date, overdue_since_range
from cases.lifecycle import SPECIALIST_HOLD_KINDS, Stage
from cases.models import CONFIRM_EXCEPTION, Case, CaseHold, ContactPoint, Customer, HoldRequest, StageHistory
from staff.permissions import Capability, role_can


def case_list() -> QuerySet[Case]:
    return Case.objects.select_related("account__customer", "assigned_team", "assigned_agent")


def case_get(*, case_id: int) -> Case:
    return case_list().get(pk=case_id)


def cases_open() -> QuerySet[Case]:
    return case_list().exclude(stage=Stage.CLOSED)


def cases_in_bucket(*, bucket: str, as_of: dt.datetime | None = None, queryset: QuerySet[Case] | None = None):
    """Cases whose DPD falls in `bucket` as of `as_of`, each judged in its cardholder's time zone.

    Works as one query: for each time zone in use, a range of `overdue_since` dates.
    """
    as_of = as_of or timezone.now()
    queryset = case_list() if queryset is None else queryset
    zones = Customer.objects.filter(accounts__cases__in=queryset).values_list("timezone", flat=True).distinct()
    condition = Q(pk__in=[])
    for zone in zones:
        earliest, latest = overdue_since_range(bucket, local_date(as_of, zone))
        in_zone = Q(account__customer__timezone=zone, overdue_since__lte=latest)
        if earliest is not None:
            in_zone &= Q(overdue_since__gte=earliest)
        condition |= in_zone
    return queryset.filter(condition)


def case_history(*, case: Case) -> QuerySet[StageHistory]:
    return StageHistory.objects.filter(case=case).select_related("actor").order_by("-created_at", "-id")


def case_active_holds(*, case: Case) -> QuerySet[CaseHold]:
    return CaseHold.objects.filter(case=case, released_at__isnull=True).select_related("request")


def case_pending_hold_requests(*, case: Case) -> QuerySet[HoldRequest]:
    return HoldRequest.objects.filter(case=case, status=HoldRequest.Status.PENDING).order_by("requested_at")


def hold_requests_pending(*, user) -> QuerySet[HoldRequest]:
    """Hardship and breathing-space requests awaiting a decision on the cases `user` sees, oldest first."""
    return (HoldRequest.objects.filter(status=HoldRequest.Status.PENDING, case__in=cases_visible_to(user=user))
            .exclude(case__stage=Stage.CLOSED)
            .select_related("case__account__customer").order_by("requested_at", "pk"))


def specialist_cases(*, user) -> QuerySet[Case]:
    """The specialist queue: open cases `user` sees with an active deceased or bankruptcy hold, annotated
    with `held_since` (when the first such hold was placed), the longest-waiting first."""
    specialist = CaseHold.objects.filter(case=OuterRef("pk"), released_at__isnull=True,
                                         kind__in=sorted(SPECIALIST_HOLD_KINDS))
    return (cases_visible_to(user=user).exclude(stage=Stage.CLOSED).filter(Exists(specialist))
            .annotate(held_since=Min("holds__placed_at", filter=Q(holds__released_at__isnull=True,
                                                                  holds__kind__in=sorted(SPECIALIST_HOLD_KINDS))))
            .order_by("held_since", "pk"))


def cases_hold_ends(*, cases: QuerySet[Case]) -> QuerySet[Case]:
    """`cases` that have an active hold, annotated with when their holds end: `hold_ends` (the last day of
    the last one to end) and `hold_open_ended` (some hold has no end date: held until released)."""
    active = CaseHold.objects.filter(case=OuterRef("pk"), released_at__isnull=True)
    return (cases.filter(Exists(active))
            .annotate(hold_open_ended=Exists(active.filter(until__isnull=True)),
                      hold_ends=Max("holds__until", filter=Q(holds__released_at__isnull=True))))


def case_contact_points(*, customer) -> QuerySet[ContactPoint]:
    """The cardholder's current contact points (not replaced by a newer snapshot), wrong ones included
    so that staff see them marked."""
    return ContactPoint.objects.filter(customer=customer, retired_at__isnull=True).order_by("kind", "id")


def case_counts_by_stage(*, queryset: QuerySet[Case] | None = None) -> dict[str, int]:
    queryset = case_list() if queryset is None else queryset
    rows = queryset.order_by().values("stage").annotate(n=Count("id"))
    counts = dict.fromkeys(Stage.values, 0)
    counts.update({row["stage"]: row["n"] for row in rows})
    return counts


# Other capabilities widen a role's own cases: a field agent also sees the cases of the visits assigned to
# them. Each extension, registered from its app's AppConfig.ready(), gives a Q over Case for a user of a
# role it concerns, or None; this module knows none of them, so it imports nothing above it.
_SCOPE_EXTENSIONS: dict[str, Callable[[object, str], Q | None]] = {}


def case_scope_register(name: str, extension: Callable[[object, str], Q | None]) -> None:
    _SCOPE_EXTENSIONS[name] = extension


def confirm_exceptions_scope(user, role: str) -> Q | None:
    """Whoever fixes the exceptions list sees its cases that no team holds yet (the pass assigns teams later)."""
    if not role_can(role, Capability.FIX_CONFIRM_EXCEPTIONS):
        return None
    return CONFIRM_EXCEPTION & Q(assigned_team__isnull=True)


def _scope_extended(scope: Q, user, role: str) -> Q:
    for extension in _SCOPE_EXTENSIONS.values():
        extra = extension(user, role)
        if extra is not None:
            scope |= extra
    return scope


def cases_visible_to(*, user) -> QuerySet[Case]:
    """The one rule for which cases a member of staff may see.

    Managers, compliance officers and admins see every case; supervisors the cases of the teams they
    supervise or belong to, and the cases waiting in confirm with no team yet (the exceptions list); agents
    their own team's cases; field agents the cases assigned to them and the cases of the visits they are
    assigned to.
    A login without a staff profile sees nothing.
    """
    from staff.models import Role

    profile = getattr(user, "profile", None) if user.is_authenticated else None
    if profile is None:
        return case_list().none()
    if role_can(profile.role, Capability.SEE_EVERY_CASE):
        return case_list()
    if profile.role == Role.SUPERVISOR:
        scope = Q(assigned_team__supervisor=user)
        if profile.team_id:
            scope |= Q(assigned_team_id=profile.team_id)
        return case_list().filter(_scope_extended(scope, user, profile.role))
    if profile.role == Role.AGENT:
        if profile.team_id is None:
            return case_list().filter(assigned_agent=user)
        return case_list().filter(assigned_team_id=profile.team_id)
    return case_list().filter(_scope_extended(Q(assigned_agent=user), user, profile.role))


def cases_filter(
    *, queryset: QuerySet[Case], account_number: str | None = None, stage: str | None = None,
    bucket: str | None = None, outcome: str | None = None, team_id: int | None = None, agent: str | None = None,
    updated_since: dt.datetime | None = None,
) -> QuerySet[Case]:
    """Narrow `queryset` (already limited to what the reader may see) by the filters that are given."""
    if account_number:
        queryset = queryset.filter(account__account_number=account_number)
    if stage:
        queryset = queryset.filter(stage=stage)
    if outcome:
        queryset = queryset.filter(outcome=outcome)
    if team_id is not None:
        queryset = queryset.filter(assigned_team_id=team_id)
    if agent:
        queryset = queryset.filter(assigned_agent__username=agent)
    if updated_since is not None:
        queryset = queryset.filter(updated_at__gte=updated_since)
    if bucket:
        queryset = cases_in_bucket(bucket=bucket, queryset=queryset)
    return queryset
