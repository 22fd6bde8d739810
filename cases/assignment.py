"""Who works a case once the escalation pass has placed it (confirm → plan).

A case keeps the team it came with: no rule chooses a team for a new case today, so one that arrives
without a team stays unassigned and waits on the supervisors' lists. Where its team assigns by load
(`staff.Team.assigns_by_load`), the case also goes to the team's active agent with the fewest open cases;
otherwise it stays in the team's pool, and the team's agents take it with Next case.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from audit.models import AuditRecord
from cases.lifecycle import Stage
from cases.models import Case
from core.actors import actor_fields
from core.bulk import pg_array
from core.i18n import stored_phrase
from staff.models import Role, StaffProfile, Team

ASSIGNED_REASON = stored_phrase("Placed: the team assigns new cases to the agent with the fewest open cases.")

# One statement for every case of the batch. Each load-assigning team's agents offer "slots": an agent with
# n open cases offers slot n + 1, n + 2, … up to as many as the team has cases to hand out. The team's cases,
# oldest first, take the slots in order of (open cases then, username, id): the same as giving the cases one
# at a time to whoever has the fewest open cases, with ties going to the same agent on every run.
ASSIGN_BY_LOAD = """
WITH waiting AS (
    SELECT c.id AS case_id, c.assigned_team_id AS team_id,
           row_number() OVER (PARTITION BY c.assigned_team_id ORDER BY c.id) AS n
    FROM {case} c JOIN {team} t ON t.id = c.assigned_team_id
    WHERE c.id = ANY(%(case_ids)s::bigint[]) AND c.stage = %(plan)s AND c.assigned_agent_id IS NULL
      AND t.assigns_by_load
),
wanted AS (SELECT team_id, count(*) AS cases FROM waiting GROUP BY team_id),
agents AS (
    SELECT p.user_id, p.team_id, u.username,
           (SELECT count(*) FROM {case} oc
            WHERE oc.assigned_agent_id = p.user_id AND oc.stage <> %(closed)s) AS open_cases
    FROM {profile} p JOIN {user} u ON u.id = p.user_id JOIN wanted w ON w.team_id = p.team_id
    WHERE p.role = %(agent)s AND u.is_active
),
slots AS (
    SELECT a.team_id, a.user_id, a.open_cases,
           row_number() OVER (PARTITION BY a.team_id ORDER BY s.level, a.username, a.user_id) AS n
    FROM agents a JOIN wanted w ON w.team_id = a.team_id
    CROSS JOIN LATERAL generate_series(a.open_cases + 1, a.open_cases + w.cases) AS s(level)
)
UPDATE {case} c SET assigned_agent_id = s.user_id, updated_at = %(now)s
FROM waiting wc JOIN slots s ON s.team_id = wc.team_id AND s.n = wc.n
WHERE c.id = wc.case_id AND c.assigned_agent_id IS NULL
RETURNING c.id, c.assigned_team_id, c.assigned_agent_id, s.open_cases
"""


def _sql() -> str:
    return ASSIGN_BY_LOAD.format(case=Case._meta.db_table, team=Team._meta.db_table,
                                 profile=StaffProfile._meta.db_table, user=get_user_model()._meta.db_table)


@transaction.atomic
def cases_assign_on_plan(*, case_ids, actor, at: dt.datetime | None = None) -> dict[int, int]:
    """Give the cases just placed in plan to an agent where their team assigns by load; {case id: agent id}.

    Only cases still in plan with no agent are touched; a team with the setting off, or with no active
    agent, leaves its cases in the pool. One UPDATE for all of them (the cases' rows are locked by it, so
    two runs never give a case twice), then one audit row per case assigned, as a reassignment writes.
    Expects to run in the transaction that moved the cases to plan.
    """
    ids = sorted({int(pk) for pk in case_ids})
    if not ids:
        return {}
    now = at or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_sql(), {"case_ids": pg_array(ids), "plan": Stage.PLAN, "closed": Stage.CLOSED,
                                "agent": Role.AGENT, "now": now})
        rows = cursor.fetchall()
    who = actor_fields(actor)
    AuditRecord.objects.bulk_create([
        AuditRecord(at=now, action="case.assigned_by_load", object_type=Case._meta.label_lower, object_id=str(pk),
                    case_id=pk, reason=ASSIGNED_REASON, **who,
                    changes={"to": {"team": team_id, "agent": agent_id}, "open_cases": open_cases})
        for pk, team_id, agent_id, open_cases in sorted(rows)], batch_size=2000)
    return {pk: agent_id for pk, _team_id, agent_id, _open in rows}
