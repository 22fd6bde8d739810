"""Reads of visits: who may see which, a field agent's day in route order, and the supervisor's figures."""

import datetime as dt
import math

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cases.contact_stops import contact_paused
from cases.models import Case
from cases.selectors import cases_visible_to
from staff.models import Role
from staff.permissions import user_role
from visits.models import OPEN_STATUSES, Visit, VisitHistory, VisitStatus


def visit_list() -> QuerySet[Visit]:
    return Visit.objects.select_related("case__account__customer", "assigned_to", "second_agent")


def visits_visible_to(*, user) -> QuerySet[Visit]:
    """Field agents see the visits they are assigned to, nothing else; others the visits of cases they see."""
    role = user_role(user)
    if role is None:
        return visit_list().none()
    if role == Role.FIELD_AGENT:
        return visit_list().filter(Q(assigned_to=user) | Q(second_agent=user))
    return visit_list().filter(case__in=cases_visible_to(user=user).values("pk"))


def visits_for_day(*, user, day: dt.date) -> list[Visit]:
    """A field agent's visits on `day` (done ones included, so the day reads whole), in route order."""
    visits = (visits_visible_to(user=user).filter(scheduled_for=day)
              .exclude(status__in=(VisitStatus.REQUESTED, VisitStatus.CANCELLED)).order_by("window_start", "id"))
    return visit_route_order(list(visits))


def _distance_km(a: Visit, b: Visit) -> float:
    """Great-circle distance: plenty for ordering a day's stops in one city."""
    lat1, lon1, lat2, lon2 = map(math.radians, map(float, (a.latitude, a.longitude, b.latitude, b.longitude)))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(h))


def visit_route_order(visits: list[Visit]) -> list[Visit]:
    """A simple route: nearest neighbour over the visits with coordinates, starting from the first of them
    in the given order; then the visits without coordinates, grouped by district and address."""
    located = [v for v in visits if v.latitude is not None and v.longitude is not None]
    unlocated = [v for v in visits if v.latitude is None or v.longitude is None]
    route = []
    if located:
        route.append(located.pop(0))
        while located:
            here = route[-1]
            nearest = min(located, key=lambda v: _distance_km(here, v))
            located.remove(nearest)
            route.append(nearest)
    return route + sorted(unlocated, key=lambda v: (v.district, v.address, v.pk))


def visit_map_url(visit: Visit) -> str:
    """A link to open in the phone's map app: coordinates when known, otherwise the address."""
    from urllib.parse import quote

    if visit.latitude is not None and visit.longitude is not None:
        return f"https://www.openstreetmap.org/?mlat={visit.latitude}&mlon={visit.longitude}#map=17/" \
               f"{visit.latitude}/{visit.longitude}"
    return f"https://www.openstreetmap.org/search?query={quote(visit.address)}"


def visits_load(*, day: dt.date) -> dict[int, int]:
    """Field agent id -> number of visits they already have on `day` (as first or second agent)."""
    load: dict[int, int] = {}
    scheduled = Visit.objects.filter(scheduled_for=day).exclude(status=VisitStatus.CANCELLED)
    for field in ("assigned_to", "second_agent"):
        for row in scheduled.filter(**{f"{field}__isnull": False}).values(field).annotate(n=Count("id")):
            load[row[field]] = load.get(row[field], 0) + row["n"]
    return load


def visits_counts_by_status(*, queryset: QuerySet[Visit]) -> list[tuple[str, str, int]]:
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("id")))
    return [(value, VisitStatus(value).label, counts.get(value, 0)) for value in VisitStatus.values]


def visits_overdue(*, queryset: QuerySet[Visit], now: dt.datetime | None = None) -> QuerySet[Visit]:
    """Visits whose window has passed without a report."""
    return queryset.filter(status__in=OPEN_STATUSES, window_end__lt=now or timezone.now()).order_by("window_end")


def visits_outcomes_by_region(*, queryset: QuerySet[Visit]) -> dict[str, dict[str, int]]:
    """region -> outcome -> completed visits."""
    table: dict[str, dict[str, int]] = {}
    rows = (queryset.filter(status=VisitStatus.COMPLETED).order_by().values_list("region", "outcome")
            .annotate(n=Count("id")))
    for region, outcome, n in rows:
        table.setdefault(region or "—", {})[outcome] = n
    return dict(sorted(table.items()))


def visits_to_plan(*, queryset: QuerySet[Visit]) -> QuerySet[Visit]:
    """Requested and assigned visits for the board, leaving out cases whose contact is paused (a hold, a
    complaint, a promise pending, a plan agreed): a visit there would be refused, so it is not offered."""
    paused = Case.objects.filter(pk=OuterRef("case_id")).filter(contact_paused())
    return (queryset.filter(status__in=(VisitStatus.REQUESTED, VisitStatus.ASSIGNED)).exclude(Exists(paused))
            .order_by("priority", "created_at", "id"))


def visits_withdrawn_from_day(*, user, day: dt.date) -> list[Visit]:
    """The field agent's visits for `day` that were cancelled after assignment, each with `withdrawn_reason`:
    they leave the route, but the agent sees that they went and why."""
    visits = list(visits_visible_to(user=user).filter(scheduled_for=day, status=VisitStatus.CANCELLED)
                  .order_by("window_start", "id"))
    reasons = dict(VisitHistory.objects.filter(visit__in=visits, to_status=VisitStatus.CANCELLED)
                   .order_by("visit_id", "created_at").values_list("visit_id", "reason"))
    for visit in visits:
        visit.withdrawn_reason = reasons.get(visit.pk, "")
    return visits


def cases_visited_by(user, role: str) -> Q | None:
    """A field agent also sees the cases of the visits assigned to them (cases.selectors' scope extension)."""
    if role != Role.FIELD_AGENT:
        return None
    visiting = Visit.objects.filter(Q(assigned_to=user) | Q(second_agent=user), case=OuterRef("pk")) \
        .exclude(status=VisitStatus.CANCELLED)
    return Q(Exists(visiting))
