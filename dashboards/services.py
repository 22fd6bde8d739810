"""Writes of the dashboards app: the daily snapshot, reassignment and team settings (capacity, assignment)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DateTimeField, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.delinquency import BUCKET_RANGES
from cases.lifecycle import Outcome, Stage
from cases.models import Case, Payment
from contacts.models import ContactAttempt
from core.errors import DomainError, reason_required
from dashboards.models import ActivityCount, SnapshotDay
from dashboards.selectors import RIGHT_PARTY, settled_attempts
from staff.models import Team
from staff.permissions import Capability, role_can

SNAPSHOT_COLUMNS = "day, case_id, bucket, stage, balance, currency, team_id, agent_id, region, product, strategy"


def _dpd_sql() -> str:
    return "(%(day)s::date - c.overdue_since)"


def _bucket_sql() -> str:
    dpd = _dpd_sql()
    whens = " ".join(
        f"WHEN {dpd} <= {last} THEN '{bucket}'" for bucket, _first, last in BUCKET_RANGES if last is not None)
    open_ended = next(bucket for bucket, _first, last in BUCKET_RANGES if last is None)
    return f"CASE {whens} ELSE '{open_ended}' END"


SNAPSHOT_FROM = """
FROM cases_case c
JOIN cases_account a ON a.id = c.account_id
JOIN cases_customer cu ON cu.id = a.customer_id
LEFT JOIN escalation_caseescalation e ON e.case_id = c.id
WHERE c.stage <> %(closed)s
"""


def _snapshot_sql() -> str:
    # Built from the bucket table and fixed column names only; the values travel as parameters.
    return (f"INSERT INTO dashboards_casedaysnapshot ({SNAPSHOT_COLUMNS}) "  # noqa: S608
            f"SELECT %(day)s, c.id, {_bucket_sql()}, c.stage, c.total_overdue, c.currency, c.assigned_team_id, "
            f"c.assigned_agent_id, cu.region, a.product, COALESCE(e.strategy, '') {SNAPSHOT_FROM}")


@transaction.atomic
def snapshot_take(*, day: dt.date | None = None) -> int:
    """Write the snapshot of every open case for `day` (today in the portal's zone by default).

    A handful of statements whatever the number of cases: the day's earlier rows are deleted, the day
    is written again from the cases as they stand, recorded in SnapshotDay and summed into its totals
    and roll rows, so running it twice a day leaves one row per case
    with the later figures, and earlier days are never touched. DPD is counted from `day` itself.
    The scheduled run (no `day`) also rebuilds the activity totals. Returns the number of rows written.
    """
    nightly = day is None
    day = day or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dashboards_casedaysnapshot WHERE day = %(day)s", {"day": day})
        cursor.execute(_snapshot_sql(), {"day": day, "closed": Stage.CLOSED})
        written = cursor.rowcount
    SnapshotDay.objects.update_or_create(day=day, defaults={"cases": written, "taken_at": timezone.now()})
    snapshot_aggregate(day=day)
    if nightly:
        activity_totals_rebuild()
    return written


DIMENSIONS = "currency, team_id, agent_id, region, product"
TOTALS_SQL = f"""
INSERT INTO dashboards_snapshottotal (day, {DIMENSIONS}, bucket, stage, cases, balance)
SELECT day, {DIMENSIONS}, bucket, stage, COUNT(*), SUM(balance) FROM dashboards_casedaysnapshot
WHERE day = %(day)s GROUP BY day, {DIMENSIONS}, bucket, stage
"""  # noqa: S608 (fixed column names)
ROLL_SQL = f"""
INSERT INTO dashboards_snapshotroll (day, cohort_day, {DIMENSIONS}, from_bucket, to_bucket, balance)
SELECT %(day)s, %(cohort_day)s, p.currency, p.team_id, p.agent_id, p.region, p.product, p.bucket, n.bucket,
       SUM(n.balance)
FROM dashboards_casedaysnapshot p JOIN dashboards_casedaysnapshot n ON n.case_id = p.case_id AND n.day = %(day)s
WHERE p.day = %(cohort_day)s
GROUP BY p.currency, p.team_id, p.agent_id, p.region, p.product, p.bucket, n.bucket
"""  # noqa: S608 (fixed column names)


def snapshot_aggregate(*, day: dt.date) -> None:
    """(Re)write the day's totals and its roll from the previous month's last snapshot day, from the
    day's snapshot rows. Part of `snapshot_take`; a past day rewritten later refreshes that day only."""
    cohort_day = (SnapshotDay.objects.filter(day__lt=day.replace(day=1),
                                             day__gte=(day.replace(day=1) - dt.timedelta(days=1)).replace(day=1))
                  .order_by("-day").values_list("day", flat=True).first())
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dashboards_snapshottotal WHERE day = %(day)s", {"day": day})
        cursor.execute(TOTALS_SQL, {"day": day})
        cursor.execute("DELETE FROM dashboards_snapshotroll WHERE day = %(day)s", {"day": day})
        if cohort_day is not None:
            cursor.execute(ROLL_SQL, {"day": day, "cohort_day": cohort_day})


OPEN_TOTALS_SQL = f"""
INSERT INTO dashboards_opencasetotal (refreshed_at, day, {DIMENSIONS}, bucket, stage, cases, balance)
SELECT %(now)s, %(day)s, c.currency, c.assigned_team_id, c.assigned_agent_id, cu.region, a.product, {{bucket}},
       c.stage, COUNT(*), SUM(c.total_overdue)
FROM cases_case c
JOIN cases_account a ON a.id = c.account_id
JOIN cases_customer cu ON cu.id = a.customer_id
WHERE c.stage <> %(closed)s
GROUP BY c.currency, c.assigned_team_id, c.assigned_agent_id, cu.region, a.product, {{bucket}}, c.stage
"""  # noqa: S608 (fixed column names and the bucket table)


@transaction.atomic
def open_totals_refresh(*, at: dt.datetime | None = None) -> int:
    """Replace `OpenCaseTotal` with the open cases as they stand now, DPD counted to `at`'s date in the
    portal's zone (now by default), and `CaseSpanTotal` with every case by the days it opened and
    closed. Four statements whatever the number of cases; readers keep seeing the previous refresh
    until this one commits. Returns the number of open-case total rows written."""
    at = at or timezone.now()
    zone = ZoneInfo(settings.TIME_ZONE)
    day = at.astimezone(zone).date()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dashboards_opencasetotal")
        cursor.execute(OPEN_TOTALS_SQL.format(bucket=_bucket_sql()), {"now": at, "day": day, "closed": Stage.CLOSED})
        written = cursor.rowcount
        cursor.execute("DELETE FROM dashboards_casespantotal")
    spans = (Case.objects.annotate(refreshed_at=Value(at, output_field=DateTimeField()),
                                   opened_day=TruncDate("opened_at", tzinfo=zone),
                                   closed_day=TruncDate("closed_at", tzinfo=zone))
             .values("refreshed_at", "currency", "assigned_team", "assigned_agent", "account__customer__region",
                     "account__product", "opened_day", "closed_day")
             .annotate(cases=Count("id"), cured=Count("id", filter=Q(outcome=Outcome.CURED))))
    _insert_select("dashboards_casespantotal", f"refreshed_at, {DIMENSIONS}, opened_day, closed_day, cases, cured",
                   spans)
    return written


# Payments received this close to a rebuild are left to the live reads, in case a slower transaction
# commits one with a smaller id after the rebuild has read the table.
PAYMENT_MARGIN = dt.timedelta(minutes=15)
CASE_DIMENSIONS = ("case__currency", "case__assigned_team", "case__assigned_agent", "case__account__customer__region",
                   "case__account__product")


def _insert_select(table: str, columns: str, queryset) -> None:
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)  # noqa: S608 (fixed names, ORM SQL)


@transaction.atomic
def activity_totals_rebuild(*, at: dt.datetime | None = None) -> ActivityCount:
    """Rewrite `AttemptTotal` and `PaymentTotal` from every settled attempt and counted payment, by the
    cases' dimensions as they stand, and record where they stop in `ActivityCount`.

    Attempts are settled at once (promises are counted from the promise model, not here); payments are
    counted up to `at` less a margin. Four statements whatever the size; part of the nightly snapshot.
    """
    at = at or timezone.now()
    zone = ZoneInfo(settings.TIME_ZONE)
    received_before = at - PAYMENT_MARGIN
    last_attempt = ContactAttempt.objects.aggregate(m=Max("id"))["m"] or 0
    last_payment = Payment.objects.filter(received_at__lt=received_before).aggregate(m=Max("id"))["m"] or 0
    attempts = (ContactAttempt.objects.filter(settled_attempts(last_attempt_id=last_attempt))
                .annotate(day=TruncDate("occurred_at", tzinfo=zone)).values("day", *CASE_DIMENSIONS, "actor")
                .annotate(attempts=Count("id"), right_party=Count("id", filter=RIGHT_PARTY),
                          overrides=Count("id", filter=Q(exception__isnull=False)),
                          breaches=Count("id", filter=~Q(breached_rules=[]))))
    payments = (Payment.objects.counted().filter(id__lte=last_payment, received_at__lt=received_before,
                                                 case__isnull=False)
                .annotate(day=TruncDate("paid_at", tzinfo=zone)).values("day", *CASE_DIMENSIONS)
                .annotate(amount=Sum("amount")))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dashboards_attempttotal")
        cursor.execute("DELETE FROM dashboards_paymenttotal")
    _insert_select("dashboards_attempttotal",
                   f"day, {DIMENSIONS}, actor_id, attempts, right_party, overrides, breaches", attempts)
    _insert_select("dashboards_paymenttotal", f"day, {DIMENSIONS}, amount", payments)
    count, _ = ActivityCount.objects.update_or_create(pk=1, defaults={
        "rebuilt_at": at, "last_attempt_id": last_attempt,
        "last_payment_id": last_payment, "received_before": received_before})
    return count


def _check_assignee(*, team: Team | None, agent) -> None:
    if agent is None:
        return
    profile = getattr(agent, "profile", None)
    if profile is None or not role_can(profile.role, Capability.HOLD_CASES):
        raise DomainError(_("Cases are assigned to agents."), field="agent")
    if team is None or profile.team_id != team.pk:
        raise DomainError(_("The agent is not a member of that team."), field="agent")


def _require_reason(reason: str) -> str:
    return reason_required(reason)


@transaction.atomic
def case_reassign(*, case: Case, team: Team | None, agent=None, actor, reason: str,
                  ip_address: str | None = None) -> Case:
    """Hand one case to another team and, optionally, one of its agents; audited with the reason.

    A claim on the case is dropped so the new agent's queue can hand it out at once.
    """
    reason = _require_reason(reason)
    _check_assignee(team=team, agent=agent)
    before = {"team": case.assigned_team_id, "agent": case.assigned_agent_id}
    Case.objects.filter(pk=case.pk).update(assigned_team=team, assigned_agent=agent, claimed_by=None,
                                           claimed_until=None, updated_at=timezone.now())
    case.assigned_team, case.assigned_agent = team, agent
    audit_log(actor=actor, action="case.reassigned", obj=case, case_id=case.pk,
              changes={"from": before, "to": {"team": team.pk if team else None, "agent": agent.pk if agent else None}},
              reason=reason, ip_address=ip_address)
    return case


@transaction.atomic
def cases_reassign_bulk(*, cases: QuerySet[Case], team: Team | None, agent=None, actor, reason: str,
                        ip_address: str | None = None) -> int:
    """Hand every open case of `cases` to `team` (and `agent`) in one UPDATE; one audit row says which.

    `cases` is already limited to what the actor may see. Closed cases keep their last assignment.
    Returns how many cases moved.
    """
    reason = _require_reason(reason)
    _check_assignee(team=team, agent=agent)
    ids = list(cases.exclude(stage=Stage.CLOSED).select_for_update(of=("self",)).values_list("pk", flat=True))
    if not ids:
        return 0
    moved = Case.objects.filter(pk__in=ids).update(assigned_team=team, assigned_agent=agent, claimed_by=None,
                                                   claimed_until=None, updated_at=timezone.now())
    audit_log(actor=actor, action="cases.reassigned_bulk", obj=team or actor,
              changes={"to": {"team": team.pk if team else None, "agent": agent.pk if agent else None},
                       "count": moved, "case_ids": ids},
              reason=reason, ip_address=ip_address)
    return moved


@transaction.atomic
def team_capacity_set(*, team: Team, capacity: int | None, actor, ip_address: str | None = None) -> Team:
    """Set how many open cases a team can work at once (None: not set). Audited."""
    if capacity is not None and capacity < 0:
        raise DomainError(_("Capacity cannot be negative."), field="capacity")
    before = team.capacity
    Team.objects.filter(pk=team.pk).update(capacity=capacity)
    team.capacity = capacity
    audit_log(actor=actor, action="team.capacity_set", obj=team, changes={"capacity": [before, capacity]},
              ip_address=ip_address)
    return team


@transaction.atomic
def team_assignment_set(*, team: Team, assigns_by_load: bool, actor, ip_address: str | None = None) -> Team:
    """Set whether the pass gives the team's newly placed cases to its least-loaded agent (cases.assignment)
    or leaves them in the team's pool. Cases already placed keep their agent. Audited when it changes."""
    before = team.assigns_by_load
    if before == assigns_by_load:
        return team
    Team.objects.filter(pk=team.pk).update(assigns_by_load=assigns_by_load)
    team.assigns_by_load = assigns_by_load
    audit_log(actor=actor, action="team.assignment_set", obj=team,
              changes={"assigns_by_load": [before, assigns_by_load]}, ip_address=ip_address)
    return team


@transaction.atomic
def policy_draft_activate(*, policy, definition: dict, actor, note: str, ip_address: str | None = None):
    """Publish a previewed draft as the policy's new version, in force from now; audited.

    The version the draft replaces lends it its challenger settings, so activating rules never
    silently ends a champion/challenger test.
    """
    from escalation.models import PolicyVersion
    from escalation.policy import policy_version_publish

    current = PolicyVersion.objects.filter(policy=policy, effective_from__lte=timezone.now()).order_by(
        "-effective_from", "-number").first()
    version = policy_version_publish(policy=policy, effective_from=timezone.now(), definition=definition, actor=actor,
                                     note=note, challenger=current.challenger if current else None,
                                     challenger_percent=current.challenger_percent if current else 0)
    audit_log(actor=actor, action="policy.version_published", obj=version,
              changes={"policy": policy.name, "version": version.number}, reason=note, ip_address=ip_address)
    return version
