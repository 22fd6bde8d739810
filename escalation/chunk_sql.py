"""The set-based SQL of one chunk of the escalation pass (PostgreSQL).

`EVALUATION` places every case of an id range in its tier; the pass uses it once to record tier changes
and once to list the policy actions due and not yet scheduled.
"""

from cases.lifecycle import Stage
from contacts.models import CONVERSATION_RESULTS, FAILED_RESULTS

# Stages in which the policy contacts a cardholder. Negotiation and follow-up are driven by promises
# and plans; legal and closed cases are out of collections.
POLICY_STAGES = (Stage.CONFIRM, Stage.PLAN, Stage.CONTACT)


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# Parameters: as_of, lo, hi, champion, challenger, challenger_percent.
# Only constants of this module are interpolated; every value is a bound parameter.
EVALUATION = f"""
base AS (
    SELECT c.id AS case_id, c.stage, c.overdue_since, c.total_overdue, c.assigned_team_id, c.assigned_agent_id,
           tm.supervisor_id, cu.email <> '' AS has_email,
           ((%(as_of)s::timestamptz AT TIME ZONE cu.timezone)::date - c.overdue_since) AS dpd,
           CASE WHEN %(challenger)s::bigint IS NOT NULL
                     AND ((c.id * 2654435761) %% 4294967296) %% 100 < %(challenger_percent)s
                THEN 'challenger' ELSE 'champion' END AS strategy
    FROM cases_case c
    JOIN cases_account a ON a.id = c.account_id
    JOIN cases_customer cu ON cu.id = a.customer_id
    LEFT JOIN staff_team tm ON tm.id = c.assigned_team_id
    WHERE c.id >= %(lo)s AND c.id < %(hi)s AND c.stage IN {_in(POLICY_STAGES)}
      AND NOT EXISTS (SELECT 1 FROM cases_casehold h WHERE h.case_id = c.id AND h.released_at IS NULL)
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
evaluated AS (
    SELECT t.*, et.id AS tier_id, et.code AS tier_code, t.overdue_since + t.window_dpd AS window_start
    FROM tiered t
    JOIN escalation_policytier et ON et.version_id = t.version_id AND et.rank = t.tier_rank
)
"""  # noqa: S608

_CALLS_IN_DAYS = """
    SELECT count(*) FROM contacts_contactattempt ca
    WHERE ca.case_id = e.case_id AND ca.channel = 'call' AND NOT ca.third_party
      AND ca.at > %(as_of)s::timestamptz - make_interval(days => pa.condition_days) AND ca.at <= %(as_of)s
      AND ca.result IN {results}
"""

DUE_ACTIONS = f"""
WITH {EVALUATION},
actions AS (
    SELECT e.*, pa.id AS action_id, pa.code AS rule, pa.channel, pa.cadence,
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
)
SELECT case_id, channel, rule, idempotency_key, version_id, strategy, assigned_team_id, assigned_agent_id,
       supervisor_id, stage
FROM actions x
WHERE NOT EXISTS (SELECT 1 FROM contacts_scheduledcontact s WHERE s.idempotency_key = x.idempotency_key)
ORDER BY case_id, rule
"""  # noqa: S608

CANCEL_PENDING = """
UPDATE contacts_scheduledcontact s
   SET status = 'cancelled', updated_at = %(now)s,
       trail = s.trail || jsonb_build_array(jsonb_build_object(
           'at', %(now_iso)s, 'status', 'cancelled',
           'reason', CASE WHEN c.stage = 'closed' THEN 'case closed' ELSE 'case on hold' END))
  FROM cases_case c
 WHERE s.case_id = c.id AND s.status = 'scheduled' AND s.origin = 'policy'
   AND c.id >= %(lo)s AND c.id < %(hi)s
   AND (c.stage = 'closed'
        OR EXISTS (SELECT 1 FROM cases_casehold h WHERE h.case_id = c.id AND h.released_at IS NULL))
RETURNING s.id
"""
