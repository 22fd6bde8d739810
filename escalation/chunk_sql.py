"""The set-based SQL of one chunk of the escalation pass (PostgreSQL).

`CHUNK` is one statement: it evaluates every case of an id range once (days past due, strategy, tier),
records the cases whose tier changed, and returns the policy actions due and not yet scheduled.
`CANCEL_PENDING` cancels the pending policy contacts of the range's closed and held cases.
"""

from cases.lifecycle import Stage
from contacts.models import CONVERSATION_RESULTS, FAILED_RESULTS

# Stages in which the policy contacts a cardholder. Negotiation and follow-up are driven by promises
# and plans; legal and closed cases are out of collections.
POLICY_STAGES = (Stage.CONFIRM, Stage.PLAN, Stage.CONTACT)


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


_CALLS_IN_DAYS = """
    SELECT count(*) FROM contacts_contactattempt ca
    WHERE ca.case_id = e.case_id AND ca.channel = 'call' AND NOT ca.third_party
      AND ca.at > %(as_of)s::timestamptz - make_interval(days => pa.condition_days) AND ca.at <= %(as_of)s
      AND ca.result IN {results}
"""

# Parameters: as_of, lo, hi, champion, challenger, challenger_percent, and zone_names / zone_dates: each
# time zone with its local date at as_of, so days past due are plain date arithmetic per row.
# Only constants of this module are interpolated; every value is a bound parameter.
CHUNK = f"""
WITH in_range AS MATERIALIZED (
    SELECT c.id, c.stage, c.overdue_since, c.total_overdue, c.assigned_team_id, c.assigned_agent_id,
           who.timezone, who.email
    FROM cases_case c
    -- One index lookup per case of the range. OFFSET 0 keeps the planner from turning this into a hash
    -- join that reads every account and cardholder of the table for each chunk.
    CROSS JOIN LATERAL (
        SELECT cu.timezone, cu.email FROM cases_account a JOIN cases_customer cu ON cu.id = a.customer_id
        WHERE a.id = c.account_id OFFSET 0
    ) who
    WHERE c.id >= %(lo)s AND c.id < %(hi)s AND c.stage IN {_in(POLICY_STAGES)}
      AND NOT EXISTS (SELECT 1 FROM cases_casehold h WHERE h.case_id = c.id AND h.released_at IS NULL)
),
zones AS MATERIALIZED (
    SELECT * FROM unnest(%(zone_names)s::text[], %(zone_dates)s::date[]) AS z(name, today)
),
base AS (
    SELECT c.id AS case_id, c.stage, c.overdue_since, c.total_overdue, c.assigned_team_id, c.assigned_agent_id,
           tm.supervisor_id, c.timezone, c.email <> '' AS has_email, z.today - c.overdue_since AS dpd,
           CASE WHEN %(challenger)s::bigint IS NOT NULL
                     AND ((c.id * 2654435761) %% 4294967296) %% 100 < %(challenger_percent)s
                THEN 'challenger' ELSE 'champion' END AS strategy
    FROM in_range c
    JOIN zones z ON z.name = c.timezone
    LEFT JOIN staff_team tm ON tm.id = c.assigned_team_id
),
versioned AS (
    SELECT b.*, pv.id AS version_id, b.total_overdue >= pv.large_amount_threshold AS large, pv.uplift_max_rank
    FROM base b
    JOIN (VALUES ('champion', %(champion)s::bigint), ('challenger', %(challenger)s::bigint)) sv(strategy, vid)
      ON sv.strategy = b.strategy
    JOIN escalation_policyversion pv ON pv.id = sv.vid
),
tiered AS (
    SELECT v.*, bt.dpd_from AS window_dpd,
           CASE WHEN v.large AND bt.rank < v.uplift_max_rank THEN bt.rank + 1 ELSE bt.rank END AS tier_rank
    FROM versioned v
    JOIN escalation_policytier bt ON bt.version_id = v.version_id
     AND v.dpd >= bt.dpd_from AND (bt.dpd_to IS NULL OR v.dpd <= bt.dpd_to)
),
evaluated AS MATERIALIZED (
    SELECT t.*, et.id AS tier_id, et.code AS tier_code, t.overdue_since + t.window_dpd AS window_start,
           (ce.tier_rank, ce.policy_version_id, ce.strategy) IS DISTINCT FROM (t.tier_rank, t.version_id, t.strategy)
               AS changed
    FROM tiered t
    JOIN escalation_policytier et ON et.version_id = t.version_id AND et.rank = t.tier_rank
    LEFT JOIN escalation_caseescalation ce ON ce.case_id = t.case_id
),
placed AS (
    -- Only the changed rows are written; the conflict clause settles a race with a concurrent pass.
    INSERT INTO escalation_caseescalation (case_id, strategy, policy_version_id, tier_rank, tier_code, tier_since)
    SELECT case_id, strategy, version_id, tier_rank, tier_code, %(as_of)s FROM evaluated WHERE changed
    ORDER BY case_id
    ON CONFLICT (case_id) DO UPDATE
       SET strategy = EXCLUDED.strategy, policy_version_id = EXCLUDED.policy_version_id,
           tier_rank = EXCLUDED.tier_rank, tier_code = EXCLUDED.tier_code, tier_since = EXCLUDED.tier_since
     WHERE (escalation_caseescalation.tier_rank, escalation_caseescalation.policy_version_id,
            escalation_caseescalation.strategy)
           IS DISTINCT FROM (EXCLUDED.tier_rank, EXCLUDED.policy_version_id, EXCLUDED.strategy)
    RETURNING case_id
),
actions AS (
    SELECT e.*, pa.code AS rule, pa.channel,
           CASE pa.cadence
               WHEN 'once' THEN e.case_id || ':' || pa.code
               WHEN 'on_entry' THEN e.case_id || ':' || pa.code || ':' || e.window_start
               ELSE e.case_id || ':' || pa.code || ':' || (e.window_start + ceil(
                        floor((e.dpd - e.window_dpd) * pa.times::numeric / pa.per_days) * pa.per_days / pa.times
                    )::int)
           END AS idempotency_key
    FROM evaluated e
    JOIN escalation_policyaction pa ON pa.tier_id = e.tier_id
    WHERE pa.condition = ''
       OR (pa.condition = 'has_email' AND e.has_email)
       OR (pa.condition = 'no_email' AND NOT e.has_email)
       OR (pa.condition = 'calls_failed'
           AND ({_CALLS_IN_DAYS.format(results=_in(FAILED_RESULTS))}) >= pa.condition_count
           AND ({_CALLS_IN_DAYS.format(results=_in(CONVERSATION_RESULTS))}) = 0)
),
due AS (
    SELECT case_id, channel, rule, idempotency_key, version_id, strategy, assigned_team_id, assigned_agent_id,
           supervisor_id, stage, timezone
    FROM actions x
    WHERE NOT EXISTS (SELECT 1 FROM contacts_scheduledcontact s WHERE s.idempotency_key = x.idempotency_key)
),
counts AS (SELECT (SELECT count(*) FROM evaluated) AS evaluated, (SELECT count(*) FROM placed) AS placed)
SELECT counts.evaluated, counts.placed, due.*
FROM counts LEFT JOIN due ON true
ORDER BY due.case_id, due.rule
"""  # noqa: S608

CANCEL_PENDING = """
UPDATE contacts_scheduledcontact s
   SET status = 'cancelled', updated_at = %(now)s,
       trail = s.trail || jsonb_build_array(jsonb_build_object(
           'at', %(now_iso)s, 'status', 'cancelled',
           'reason', CASE WHEN c.stage = 'closed' THEN 'case closed' ELSE 'case on hold' END))
  FROM cases_case c
 WHERE s.case_id = c.id AND s.status = 'scheduled' AND s.origin = 'policy'
   AND s.case_id >= %(lo)s AND s.case_id < %(hi)s AND c.id >= %(lo)s AND c.id < %(hi)s
   AND (c.stage = 'closed'
        OR EXISTS (SELECT 1 FROM cases_casehold h WHERE h.case_id = c.id AND h.released_at IS NULL))
RETURNING s.id
"""

# A new contact of a rule supersedes the same rule's earlier one still pending for that case (yesterday's
# unworked call task, a reminder still waiting for the morning): one contact per rule is live at a time.
CANCEL_SUPERSEDED = """
UPDATE contacts_scheduledcontact s
   SET status = 'cancelled', updated_at = %(now)s,
       trail = s.trail || jsonb_build_array(jsonb_build_object(
           'at', %(now_iso)s, 'status', 'cancelled', 'reason', 'superseded', 'by', n.key))
  FROM unnest(%(case_ids)s::bigint[], %(rules)s::text[], %(keys)s::text[]) AS n(case_id, rule, key)
 WHERE s.case_id = n.case_id AND s.rule = n.rule AND s.status = 'scheduled' AND s.origin = 'policy'
   AND s.idempotency_key <> n.key
"""
