"""The set-based SQL of the escalation pass (PostgreSQL).

`PLAN` finds the cases a pass must look at and cuts them into id ranges. `CHUNK` is one statement per
range: it evaluates the range's candidates once (days past due, strategy, tier), records the cases whose
tier or next due moment changed, parks the cases out of the policy's reach, cancels the pending policy
contacts of closed and held cases, and returns the policy actions due and not yet scheduled.
`CLEAR_PENDING` then removes the marks the chunk dealt with.

A case is a candidate when it is marked in EscalationPending (its inputs changed: triggers write the
marks), when its `next_due_at` has come (a cadence day or a tier boundary), or when it was placed under
a policy version no longer in force. Every other case has, by construction, nothing new due, so a pass
with nothing due reads almost nothing.
"""

from cases.confirm import failed_checks_sql
from cases.lifecycle import Stage
from contacts.models import CONVERSATION_RESULTS, ESTATE_LETTER_RULE, FAILED_RESULTS

# Stages in which the policy contacts a cardholder. Negotiation and follow-up are driven by promises
# and plans; legal and closed cases are out of collections.
POLICY_STAGES = (Stage.CONFIRM, Stage.PLAN, Stage.CONTACT)


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


# Calls count per cardholder, on whichever of their cases they were made: one cardholder, one set of calls.
_CALLS_IN_DAYS = """
    SELECT count(*) FROM contacts_contactattempt ca
    WHERE ca.customer_id = e.customer_id AND ca.channel = 'call' AND NOT ca.third_party
      AND ca.occurred_at > %(as_of)s::timestamptz - make_interval(days => pa.condition_days)
      AND ca.occurred_at <= %(as_of)s
      AND ca.result IN {results}
"""

# An agency's template set in force (agencies.TemplateSet), for `agency`. A placed case whose agency has one
# still gets the automated messages of the channels it covers (its keys: sms, letter, email); calls and visits
# never. The pending policy contacts of a placed case in a channel not covered are cancelled.
_AGENCY_SET = "SELECT 1 FROM agencies_templateset t WHERE t.agency_id = {agency} AND t.active"
# Placed with an agency whose template set in force does not cover the channel of the `pending` contact.
_PLACED_UNCOVERED = f"""EXISTS (
    SELECT 1 FROM agencies_placement p WHERE p.case_id = k.id AND p.ended_at IS NULL
       AND NOT EXISTS ({_AGENCY_SET.format(agency="p.agency_id")} AND t.texts ? pending.channel))"""  # noqa: S608

# The cases of a chunk the pass looks at: those marked in EscalationPending (read by the caller, with
# their marks, and passed as `pending`), those whose next due moment has come, and those placed under a
# policy version no longer in force (`versions`: the versions in force).
_CANDIDATES = """
    SELECT id FROM unnest(%(pending)s::bigint[]) AS p(id)
    UNION
    SELECT case_id FROM escalation_caseescalation
    WHERE case_id >= %(lo)s AND case_id < %(hi)s
      AND (next_due_at <= %(as_of)s OR policy_version_id <> ALL(%(versions)s::bigint[]))
"""


def _strategy(case_id: str) -> str:
    """The strategy of a case, from the stable hash of its id (escalation.policy.case_share_bucket)."""
    return f"""CASE WHEN %(challenger)s::bigint IS NOT NULL
                     AND (({case_id} * 2654435761) %% 4294967296) %% 100 < %(challenger_percent)s
                THEN 'challenger' ELSE 'champion' END"""


# Parameters: as_of, lo, hi, pending, versions, champion, challenger, challenger_percent, now, now_iso, and
# zone_names / zone_dates: each time zone with its local date at as_of, so days past due are plain date
# arithmetic per row. Only constants of this module are interpolated; every value is a bound parameter.
CHUNK = f"""
WITH candidates AS MATERIALIZED ({_CANDIDATES}),
looked AS MATERIALIZED (
    SELECT c.id, c.stage, c.overdue_since, c.total_overdue, c.currency, c.assigned_team_id, c.assigned_agent_id,
           c.confirm_exceptions, who.customer_id, who.timezone, who.has_email, who.failed,
           -- A plain boolean, not a test on the array: the planner, which has no statistics for a CTE, takes
           -- a boolean to hold for half the rows, and `cardinality(failed) = 0` for one row in two hundred.
           -- Planned for 50 candidates instead of 10,000, the chunk's later joins became nested loops over CTE
           -- scans, and a chunk of the first pass took minutes instead of a second.
           coalesce(cardinality(who.failed), 0) > 0 AS failing,
           placed.tier_rank AS placed_rank, placed.policy_version_id AS placed_version,
           placed.strategy AS placed_strategy
    FROM candidates k
    -- One index lookup per candidate, for the case and for its cardholder. OFFSET 0 keeps the planner
    -- from turning these into joins that read every case, account and cardholder of the table.
    CROSS JOIN LATERAL (
        SELECT c.id, c.stage, c.overdue_since, c.total_overdue, c.currency, c.assigned_team_id, c.assigned_agent_id,
               c.account_id, c.principal_overdue, c.interest_overdue, c.fees_overdue, c.penalty_overdue,
               c.amounts_confirmed_at, c.confirm_exceptions, c.confirm_checked_at
        FROM cases_case c WHERE c.id = k.id OFFSET 0
    ) c
    -- A case at confirm is checked here (cases.confirm); the others carry no checks.
    CROSS JOIN LATERAL (
        SELECT a.customer_id, cu.timezone, cu.email <> '' AS has_email,
               CASE WHEN c.stage = '{Stage.CONFIRM}' THEN {failed_checks_sql()} END AS failed
        FROM cases_account a JOIN cases_customer cu ON cu.id = a.customer_id
        WHERE a.id = c.account_id OFFSET 0
    ) who
    LEFT JOIN LATERAL (
        SELECT ce.tier_rank, ce.policy_version_id, ce.strategy FROM escalation_caseescalation ce
        WHERE ce.case_id = c.id OFFSET 0
    ) placed ON true
    WHERE c.stage IN {_in(POLICY_STAGES)}
),
-- The candidates the policy works: in its stages, not on hold, and past the confirm checks. A case that
-- fails one waits in confirm (on the exceptions list) and is parked like a held case.
in_range AS MATERIALIZED (
    SELECT * FROM looked l
    WHERE NOT l.failing
      AND NOT EXISTS (SELECT 1 FROM cases_casehold h WHERE h.case_id = l.id AND h.released_at IS NULL)
      -- While an outside agency works the case, the in-house policy plans nothing for it, unless the agency has
      -- a template set in force: then its automated messages go on (`actions` keeps only the channels it covers).
      AND NOT EXISTS (SELECT 1 FROM agencies_placement p WHERE p.case_id = l.id AND p.ended_at IS NULL
                      AND NOT EXISTS ({_AGENCY_SET.format(agency="p.agency_id")}))
),
confirmed AS (
    -- What the checks found, kept on the case from the moment it changes (the exceptions list reads it).
    UPDATE cases_case c SET confirm_exceptions = l.failed, confirm_checked_at = %(as_of)s
      FROM looked l
     WHERE c.id = l.id AND l.stage = '{Stage.CONFIRM}'
       AND (c.confirm_exceptions IS DISTINCT FROM l.failed OR c.confirm_checked_at IS NULL)
    RETURNING c.id, cardinality(l.failed) > 0 AS failing
),
zones AS MATERIALIZED (
    SELECT * FROM unnest(%(zone_names)s::text[], %(zone_dates)s::date[]) AS z(name, today)
),
base AS (
    SELECT c.id AS case_id, c.stage, c.overdue_since, c.total_overdue, c.currency, c.assigned_team_id,
           c.assigned_agent_id,
           tm.supervisor_id, c.customer_id, c.timezone, c.has_email, c.placed_rank, c.placed_version, c.placed_strategy,
           z.today, z.today - c.overdue_since AS dpd,
           {_strategy("c.id")} AS strategy
    FROM in_range c
    JOIN zones z ON z.name = c.timezone
    LEFT JOIN staff_team tm ON tm.id = c.assigned_team_id
),
-- The tiers of the versions in force, each paired with the tier a large case is lifted to: a few rows.
tier_map AS MATERIALIZED (
    SELECT bt.version_id, size.large, bt.dpd_from AS window_dpd, bt.dpd_to AS window_dpd_to,
           et.id AS tier_id, et.code AS tier_code, et.rank AS tier_rank,
           (SELECT max(pa.condition_days) FROM escalation_policyaction pa
            WHERE pa.tier_id = et.id AND pa.condition = 'calls_failed') AS calls_days
    FROM escalation_policytier bt
    JOIN escalation_policyversion pv ON pv.id = bt.version_id
    CROSS JOIN (VALUES (false), (true)) size(large)
    JOIN escalation_policytier et ON et.version_id = bt.version_id
     AND et.rank = CASE WHEN size.large AND bt.rank < pv.uplift_max_rank THEN bt.rank + 1 ELSE bt.rank END
    WHERE bt.version_id IN (%(champion)s::bigint, %(challenger)s::bigint)
),
versioned AS (
    -- Large is judged in the case's currency; a currency the version gives no threshold is never large.
    SELECT b.*, pv.id AS version_id,
           coalesce(b.total_overdue >= CASE WHEN b.currency = pv.currency THEN pv.large_amount_threshold
                                            ELSE (pv.large_amount_thresholds ->> b.currency)::numeric END,
                    false) AS large
    FROM base b
    JOIN (VALUES ('champion', %(champion)s::bigint), ('challenger', %(challenger)s::bigint)) sv(strategy, vid)
      ON sv.strategy = b.strategy
    JOIN escalation_policyversion pv ON pv.id = sv.vid
),
evaluated AS MATERIALIZED (
    SELECT v.*, tm.window_dpd, tm.window_dpd_to, tm.calls_days, tm.tier_id, tm.tier_code, tm.tier_rank,
           v.overdue_since + tm.window_dpd AS window_start,
           (v.placed_rank, v.placed_version, v.placed_strategy)
               IS DISTINCT FROM (tm.tier_rank, v.version_id, v.strategy) AS changed
    FROM versioned v
    CROSS JOIN LATERAL (
        SELECT * FROM tier_map tm
        WHERE tm.version_id = v.version_id AND tm.large = v.large
          AND v.dpd >= tm.window_dpd AND (tm.window_dpd_to IS NULL OR v.dpd <= tm.window_dpd_to)
        LIMIT 1
    ) tm
),
parked AS (
    -- Candidates out of the policy's stages or on hold: time alone brings them nothing, and a change marks
    -- them again. Recording the versions in force keeps a policy change from looking at them every pass.
    UPDATE escalation_caseescalation ce
       SET next_due_at = NULL,
           strategy = {_strategy("ce.case_id")},
           policy_version_id = CASE WHEN {_strategy("ce.case_id")} = 'challenger'
                                    THEN %(challenger)s::bigint ELSE %(champion)s::bigint END
      FROM candidates k
     WHERE ce.case_id = k.id AND NOT EXISTS (SELECT 1 FROM in_range r WHERE r.id = k.id)
       AND (ce.next_due_at IS NOT NULL OR ce.policy_version_id <> ALL(%(versions)s::bigint[]))
    RETURNING ce.case_id
),
cancelled AS (
    -- The pending policy contacts of closed cases, cases on hold, cases failing a confirm check and cases placed
    -- with an agency are cancelled. Found from the candidates, one index probe each (OFFSET 0): the planner,
    -- trusting statistics taken before a large pass wrote its contacts, would otherwise read every pending
    -- contact of the table once per chunk.
    UPDATE contacts_scheduledcontact s
       SET status = 'cancelled', updated_at = %(now)s,
           trail = s.trail || jsonb_build_array(jsonb_build_object(
               'at', %(now_iso)s, 'status', 'cancelled',
               'reason', CASE WHEN x.stage = 'closed' THEN 'case closed'
                              WHEN x.held THEN 'case on hold'
                              WHEN x.placed THEN 'case placed with an agency'
                              ELSE 'case fails a confirm check' END))
      FROM (
          SELECT k.id, c.stage, coalesce(l.failing, false) AS failing, pending.id AS contact_id, pending.rule,
                 EXISTS (SELECT 1 FROM cases_casehold h WHERE h.case_id = k.id AND h.released_at IS NULL) AS held,
                 {_PLACED_UNCOVERED} AS placed
          FROM candidates k
          CROSS JOIN LATERAL (
              SELECT s.id, s.rule, s.channel FROM contacts_scheduledcontact s
              WHERE s.case_id = k.id AND s.status = 'scheduled' AND s.origin = 'policy' OFFSET 0
          ) pending
          CROSS JOIN LATERAL (SELECT c.stage FROM cases_case c WHERE c.id = k.id OFFSET 0) c
          LEFT JOIN looked l ON l.id = k.id
      ) x
     WHERE s.id = x.contact_id
       AND (x.stage = 'closed'
            -- The letter to the estate exists because of a hold; the governor judges it at delivery.
            OR (x.rule <> '{ESTATE_LETTER_RULE}' AND x.held)
            OR x.failing
            OR x.placed)
    RETURNING s.id
),
-- A repeating action is due an interval of ceil(per_days / times) days after the last contact of its rule that
-- was sent or worked: an SMS sent, a call or visit made (for a call rule any call to the cardholder counts, on
-- any of their cases, so a task worked late is not followed by another the same day, and a cardholder with
-- several cases is called no more often than one with a single case). Scheduled, held back, failed or
-- cancelled ones count for nothing, so a case entering a tier is contacted at once, and again a full interval
-- later.
actions AS (
    SELECT e.*, pa.code AS rule, pa.channel, pa.cadence, pa.fallback_channel,
           CASE WHEN pa.cadence = 'repeat' THEN ceil(pa.per_days::numeric / pa.times)::int END AS every,
           last.day AS last_day
    FROM evaluated e
    JOIN escalation_policyaction pa ON pa.tier_id = e.tier_id
    LEFT JOIN LATERAL (
        SELECT (greatest(
                    (SELECT max(s.sent_at) FROM contacts_scheduledcontact s
                     WHERE s.case_id = e.case_id AND s.rule = pa.code AND s.status = 'sent'
                       AND s.sent_at <= %(as_of)s),
                    (SELECT max(ca.occurred_at) FROM contacts_contactattempt ca
                     WHERE pa.channel <> 'call' AND ca.case_id = e.case_id AND ca.channel = pa.channel
                       AND NOT ca.third_party AND ca.occurred_at <= %(as_of)s),
                    (SELECT max(ca.occurred_at) FROM contacts_contactattempt ca
                     WHERE pa.channel = 'call' AND ca.customer_id = e.customer_id AND ca.channel = 'call'
                       AND NOT ca.third_party AND ca.occurred_at <= %(as_of)s)
                ) AT TIME ZONE e.timezone)::date AS day
        WHERE pa.cadence = 'repeat'
    ) last ON true
    WHERE (pa.condition = ''
       OR (pa.condition = 'has_email' AND e.has_email)
       OR (pa.condition = 'no_email' AND NOT e.has_email)
       OR (pa.condition = 'calls_failed'
           AND ({_CALLS_IN_DAYS.format(results=_in(FAILED_RESULTS))}) >= pa.condition_count
           AND ({_CALLS_IN_DAYS.format(results=_in(CONVERSATION_RESULTS))}) = 0))
      -- A placed case (in range only with a template set in force) gets the channels the set covers, never more.
      AND NOT EXISTS (SELECT 1 FROM agencies_placement p WHERE p.case_id = e.case_id AND p.ended_at IS NULL
                      AND NOT EXISTS ({_AGENCY_SET.format(agency="p.agency_id")} AND t.texts ? pa.channel))
),
keyed AS (
    SELECT x.*,
           CASE x.cadence
               WHEN 'once' THEN x.case_id || ':' || x.rule
               WHEN 'on_entry' THEN x.case_id || ':' || x.rule || ':' || x.window_start
               ELSE x.case_id || ':' || x.rule || ':' || x.today
           END AS idempotency_key,
           -- A repeating call task stays in the agent's queue until it is worked: while one of the rule is
           -- pending, nothing new comes of the rule.
           x.channel = 'call' AND x.cadence = 'repeat' AND EXISTS (
               SELECT 1 FROM contacts_scheduledcontact s
               WHERE s.case_id = x.case_id AND s.status = 'scheduled' AND s.origin = 'policy' AND s.rule = x.rule
           ) AS waiting,
           -- Sent or worked less than an interval ago.
           x.cadence = 'repeat' AND coalesce(x.last_day + x.every > x.today, false) AS rested
    FROM actions x
),
due AS MATERIALIZED (
    SELECT case_id, channel, rule, idempotency_key, version_id, strategy, assigned_team_id, assigned_agent_id,
           supervisor_id, stage, timezone, cadence, customer_id, tier_rank, fallback_channel,
           -- A call task for a cardholder with other open cases: one of their cases' tasks at a time is
           -- pending (escalation.services._one_call_per_cardholder).
           x.channel = 'call' AND EXISTS (
               SELECT 1 FROM cases_account a JOIN cases_case c ON c.account_id = a.id
               WHERE a.customer_id = x.customer_id AND c.id <> x.case_id AND c.stage <> 'closed'
           ) AS shared
    FROM keyed x
    WHERE NOT x.waiting AND NOT x.rested
      AND NOT EXISTS (SELECT 1 FROM contacts_scheduledcontact s WHERE s.idempotency_key = x.idempotency_key)
),
-- Per case, the repeating call rules whose task is pending or about to be: time brings them nothing new.
-- A cardholder's call shared with other cases may be carried by another case's task instead; the case then
-- looks again on the rule's next cadence day, whatever became of that task.
queued_calls AS (
    SELECT case_id, array_agg(rule) AS rules FROM (
        SELECT case_id, rule FROM keyed WHERE waiting
        UNION
        SELECT case_id, rule FROM due WHERE channel = 'call' AND cadence = 'repeat' AND NOT shared
    ) q GROUP BY case_id
),
-- Per case, the first day a repeating action can fall due again: an interval after its last contact sent or
-- worked, or an interval from today for one due now (sent today, as it will normally be, or held back
-- today); never for a call rule whose task waits in the queue, which marks the case when it is worked.
repeat_next AS (
    SELECT k.case_id,
           min(CASE WHEN k.rested THEN k.last_day + k.every ELSE k.today + k.every END) AS day
    FROM keyed k LEFT JOIN queued_calls q ON q.case_id = k.case_id
    WHERE k.cadence = 'repeat' AND NOT (k.channel = 'call' AND k.rule = ANY(coalesce(q.rules, '{{}}'::text[])))
    GROUP BY k.case_id
),
-- The first moment at which time alone can bring something new: the local midnight after the tier's
-- last day past due or of a repeating action's next day, or, where an action looks at recent calls, the
-- moment a conversation leaves its window. Null when none applies.
timed AS (
    SELECT e.case_id, e.strategy, e.version_id, e.tier_rank, e.tier_code,
           LEAST(
               (LEAST(e.overdue_since + e.window_dpd_to + 1, r.day)::timestamp AT TIME ZONE e.timezone),
               CASE WHEN e.calls_days IS NOT NULL THEN (
                   SELECT max(ca.occurred_at) + make_interval(days => e.calls_days) FROM contacts_contactattempt ca
                   WHERE ca.customer_id = e.customer_id AND ca.channel = 'call' AND NOT ca.third_party
                     AND ca.occurred_at > %(as_of)s::timestamptz - make_interval(days => e.calls_days)
                     AND ca.occurred_at <= %(as_of)s
                     AND ca.result IN {_in(CONVERSATION_RESULTS)})
               END
           ) AS next_due_at
    FROM evaluated e LEFT JOIN repeat_next r ON r.case_id = e.case_id
),
placed AS (
    -- Only changed rows are written; the conflict clause settles a race with a concurrent pass.
    INSERT INTO escalation_caseescalation (case_id, strategy, policy_version_id, tier_rank, tier_code, tier_since,
                                           next_due_at)
    SELECT case_id, strategy, version_id, tier_rank, tier_code, %(as_of)s, next_due_at FROM timed
    ORDER BY case_id
    ON CONFLICT (case_id) DO UPDATE
       SET strategy = EXCLUDED.strategy, policy_version_id = EXCLUDED.policy_version_id,
           tier_rank = EXCLUDED.tier_rank, tier_code = EXCLUDED.tier_code, next_due_at = EXCLUDED.next_due_at,
           tier_since = CASE WHEN (escalation_caseescalation.tier_rank, escalation_caseescalation.policy_version_id,
                                   escalation_caseescalation.strategy)
                                  IS DISTINCT FROM (EXCLUDED.tier_rank, EXCLUDED.policy_version_id, EXCLUDED.strategy)
                             THEN EXCLUDED.tier_since ELSE escalation_caseescalation.tier_since END
     WHERE (escalation_caseescalation.tier_rank, escalation_caseescalation.policy_version_id,
            escalation_caseescalation.strategy, escalation_caseescalation.next_due_at)
           IS DISTINCT FROM (EXCLUDED.tier_rank, EXCLUDED.policy_version_id, EXCLUDED.strategy, EXCLUDED.next_due_at)
    RETURNING case_id
),
-- Candidates in the policy's stages that no tier takes yet (days past due below the first tier's, or in a
-- gap between tiers) stay marked until the local midnight of the day they reach one.
untiered AS (
    SELECT v.case_id,
           ((v.overdue_since + (SELECT min(t.dpd_from) FROM escalation_policytier t
                                WHERE t.version_id = v.version_id AND t.dpd_from > v.dpd)
            )::timestamp AT TIME ZONE v.timezone) AS until
    FROM versioned v
    WHERE NOT EXISTS (SELECT 1 FROM evaluated e WHERE e.case_id = v.case_id)
),
counts AS (
    SELECT (SELECT count(*) FROM evaluated) AS evaluated,
           -- Placed in a tier for the first time: they move from confirm to plan (escalation.services).
           ARRAY(SELECT case_id FROM evaluated WHERE stage = '{Stage.CONFIRM}' ORDER BY case_id) AS to_plan,
           (SELECT count(*) FROM looked WHERE failing) AS failing_confirm,
           (SELECT count(*) FROM placed p JOIN evaluated e ON e.case_id = p.case_id WHERE e.changed) AS placed,
           (SELECT count(*) FROM cancelled) AS cancelled,
           ARRAY(SELECT case_id FROM untiered ORDER BY case_id) AS untiered,
           ARRAY(SELECT until FROM untiered ORDER BY case_id) AS untiered_until
)
SELECT counts.evaluated, counts.placed, counts.cancelled, counts.untiered, counts.untiered_until,
       counts.failing_confirm,
       -- Thousands of ids on the first row only, not repeated on every due action's.
       CASE WHEN row_number() OVER (ORDER BY due.case_id, due.rule) = 1 THEN counts.to_plan END AS to_plan,
       due.case_id, due.channel, due.rule, due.idempotency_key, due.version_id, due.strategy, due.assigned_team_id,
       due.assigned_agent_id, due.supervisor_id, due.stage, due.timezone, due.customer_id, due.tier_rank, due.shared,
       due.fallback_channel
FROM counts LEFT JOIN due ON true
ORDER BY due.case_id, due.rule
"""  # noqa: S608

# The chunks of a pass: every case the pass must look at, in id ranges [lo, hi) of at most `size` such
# cases. Parameters: as_of, size, stale_versions (versions no longer in force that cases were placed under).
PLAN = """
WITH candidates AS (
    SELECT case_id FROM escalation_escalationpending WHERE not_before IS NULL OR not_before <= %(as_of)s
    UNION
    SELECT case_id FROM escalation_caseescalation WHERE next_due_at <= %(as_of)s
    UNION
    SELECT case_id FROM escalation_caseescalation WHERE policy_version_id = ANY(%(stale_versions)s::bigint[])
), numbered AS (
    SELECT case_id, (row_number() OVER (ORDER BY case_id) - 1) / %(size)s AS chunk FROM candidates
)
SELECT min(case_id), max(case_id) + 1 FROM numbered GROUP BY chunk ORDER BY 1
"""

# The marks a chunk read are removed once its work is written, and the cases no tier takes yet wait for
# the day they reach one. A mark renewed meanwhile stays as it is, and a row another transaction holds is
# skipped rather than waited for: either way the next pass looks again.
CLEAR_PENDING = """
WITH read AS (
    SELECT q.case_id, r.not_before
    FROM escalation_escalationpending q
    JOIN unnest(%(case_ids)s::bigint[], %(marks)s::bigint[], %(not_before)s::timestamptz[])
         AS r(case_id, mark, not_before)
      ON r.case_id = q.case_id AND r.mark = q.mark
    FOR UPDATE OF q SKIP LOCKED
), cleared AS (
    DELETE FROM escalation_escalationpending p USING read
    WHERE p.case_id = read.case_id AND NOT read.case_id = ANY(%(waiting)s::bigint[])
)
UPDATE escalation_escalationpending p SET not_before = read.not_before
  FROM read WHERE p.case_id = read.case_id AND read.case_id = ANY(%(waiting)s::bigint[])
"""

# The contacts the governor let through, one array per column (thousands of rows travel as a dozen
# parameters), inserted unless their key exists. A new contact of a rule supersedes that rule's earlier
# one still pending for the case (a reminder still waiting for the morning), and a new call task supersedes
# any call task still pending (the previous tier's): one contact per rule, and one call task, is live at a
# time. The update runs on the statement's snapshot, so it
# never sees the rows this statement inserts.
INSERT_CONTACTS = """
WITH new AS (
    INSERT INTO contacts_scheduledcontact
        (case_id, channel, due_at, status, origin, idempotency_key, policy_version_id, rule, strategy, trail,
         assigned_team_id, assigned_to_id, delivery_attempts, last_error, created_at, updated_at)
    SELECT case_id, channel, due_at, status, 'policy', idempotency_key, policy_version_id, rule, strategy, trail,
           assigned_team_id, assigned_to_id, 0, '', %(as_of)s, %(as_of)s
    FROM unnest(%(case_id)s::bigint[], %(channel)s::text[], %(due_at)s::timestamptz[], %(status)s::text[],
                %(idempotency_key)s::text[], %(policy_version_id)s::bigint[], %(rule)s::text[],
                %(strategy)s::text[], %(trail)s::jsonb[], %(assigned_team_id)s::bigint[],
                %(assigned_to_id)s::bigint[])
         AS n(case_id, channel, due_at, status, idempotency_key, policy_version_id, rule, strategy, trail,
              assigned_team_id, assigned_to_id)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING case_id, channel, status, rule, idempotency_key
), superseded AS (
    UPDATE contacts_scheduledcontact s
       SET status = 'cancelled', updated_at = %(now)s,
           trail = s.trail || jsonb_build_array(jsonb_build_object(
               'at', %(now_iso)s, 'status', 'cancelled', 'reason', 'superseded', 'by', n.idempotency_key))
      FROM new n
     WHERE s.case_id = n.case_id AND s.status = 'scheduled' AND s.origin = 'policy'
       AND (s.rule = n.rule OR (s.channel = 'call' AND n.channel = 'call'))
    RETURNING s.id
)
SELECT case_id, channel, status, rule, idempotency_key, (SELECT count(*) FROM superseded) AS superseded FROM new
"""
CONTACT_COLUMNS = ("case_id", "channel", "due_at", "status", "idempotency_key", "policy_version_id", "rule",
                   "strategy", "trail", "assigned_team_id", "assigned_to_id")

# A cardholder with several open cases has one policy call task pending at a time, across all of them:
# the agent who works it speaks for every case, and the call it brings marks them all for the pass.
# The chunk first locks the cardholders whose calls it is about to schedule, skipping those another chunk
# holds (it is scheduling their call now); then, in a statement that sees what such chunks committed,
# finds those with a policy call task already pending on another case. Parameter: customer_ids.
CARDHOLDERS_LOCK = """
SELECT id FROM cases_customer WHERE id = ANY(%(customer_ids)s::bigint[]) ORDER BY id FOR NO KEY UPDATE SKIP LOCKED
"""
# Parameters: case_ids and customer_ids, the due call tasks' cases and their cardholders, in pairs.
CARDHOLDERS_CALLED = """
SELECT DISTINCT q.customer_id
FROM unnest(%(case_ids)s::bigint[], %(customer_ids)s::bigint[]) AS q(case_id, customer_id)
JOIN cases_account a ON a.customer_id = q.customer_id
JOIN cases_case c ON c.account_id = a.id AND c.id <> q.case_id
WHERE EXISTS (SELECT 1 FROM contacts_scheduledcontact s
              WHERE s.case_id = c.id AND s.status = 'scheduled' AND s.origin = 'policy' AND s.channel = 'call')
"""
