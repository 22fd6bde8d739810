"""The escalation pass over many open cases, beside a hand-written set-based SQL baseline.

Generates BENCH_ESCALATION_CASES open cases (default 1,000,000) spread over DPD 1–120 by a hash of the
id, a tenth of them large, a twentieth of the cardholders in New York, half with an email. A tenth of the
cardholders hold two or three cases (half of them three), whose later cards have ids far from the first, as
cards opened years apart do, so a cardholder's cases fall in different chunks. The pass runs as in production: queued in
chunks to two Celery worker processes (prefork) on the benchmark's Redis. A first pass as of the day
before puts every case in place (timed, reported). Then, as of the next morning:
- the baseline: one hand-written SQL statement per step (tier placement, contact insertion with
  ON CONFLICT DO NOTHING, the stage move), run and rolled back;
- the pass itself, chunked, through the governor, committed. Nobody works the queue overnight, so the
  call tasks of the day before still wait and get no successor;
- the same pass again fifteen minutes later, with nothing due (the no-op pass), on the workers and
  then in one process as `run_escalation` runs it.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.db import connection, transaction

from bench.report import require_bench_database, timed

SH = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 11, 30)
AS_OF = dt.datetime(2026, 11, 30, 9, 0, tzinfo=SH)
BENCH = "escalation"

GENERATE = """
INSERT INTO cases_customer (external_id, name, national_id, national_id_hash, phone, phone_hash, other_phones, email,
                            address, region, timezone, language, created_at, updated_at)
SELECT 'BENCH-' || g, '客户' || g, '110101199001011234', md5('id' || g), '138' || lpad(g::text, 8, '0'),
       md5('phone' || g), '[]',
       CASE WHEN g %% 2 = 0 THEN 'c' || g || '@example.com' ELSE '' END, '', '上海',
       CASE WHEN g %% 20 = 0 THEN 'America/New_York' ELSE 'Asia/Shanghai' END, 'zh-hans', now(), now()
FROM generate_series(1, %(m)s) g;
-- Account g: the first card of cardholder g up to m; then the second cards of the cardholders 20k+3 and 20k+8;
-- then the third cards of the cardholders 40k+8 and 40k+23 (both kinds, with an email and without).
INSERT INTO cases_account (account_number, customer_id, product, currency, credit_limit, repayment_reference,
                           created_at)
SELECT '6222' || lpad(g::text, 12, '0'),
       CASE WHEN g <= %(m)s THEN g
            WHEN g <= %(m)s + %(m2)s THEN 20 * ((g - %(m)s - 1) / 2) + CASE WHEN (g - %(m)s) %% 2 = 1 THEN 3 ELSE 8 END
            ELSE 40 * ((g - %(m)s - %(m2)s - 1) / 2)
                 + CASE WHEN (g - %(m)s - %(m2)s) %% 2 = 1 THEN 8 ELSE 23 END
       END, '', 'CNY', 50000, '', now()
FROM generate_series(1, %(n)s) g ORDER BY g;
INSERT INTO cases_case (account_id, stage, outcome, currency, principal_overdue, interest_overdue, fees_overdue,
                        penalty_overdue, overdue_since, priority, opened_at, stage_changed_at, updated_at)
SELECT a.id, 'confirm', '', 'CNY', CASE WHEN a.id %% 10 = 0 THEN 60000 ELSE 1000 + a.id %% 9000 END, 10, 5, 1,
       -- Days past due from a hash of the id, so they do not follow the size, email or zone (which do).
       %(today)s::date - (1 + ('x' || substr(md5('dpd' || a.id), 1, 8))::bit(32)::bigint %% 120)::int, 0, now(), now(),
       now()
FROM cases_account a ORDER BY a.id;
ANALYZE cases_customer; ANALYZE cases_account; ANALYZE cases_case;
"""

# The same tier evaluation and contact insertion, written by hand as a few whole-table statements:
# no chunks, no governor beyond contact hours (no case in the benchmark has call attempts or holds), and
# like the pass, no new call task where the rule's last one still waits in the queue, and one call task per
# cardholder: none where another of their cases has one pending, else that of their case in the highest tier.
BASELINE = """
CREATE TEMP TABLE bench_eval ON COMMIT DROP AS
WITH base AS (
    SELECT c.id AS case_id, a.customer_id, c.stage, c.overdue_since, c.total_overdue, cu.timezone,
           cu.email <> '' AS has_email,
           ((%(as_of)s::timestamptz AT TIME ZONE cu.timezone)::date - c.overdue_since) AS dpd
    FROM cases_case c JOIN cases_account a ON a.id = c.account_id JOIN cases_customer cu ON cu.id = a.customer_id
    WHERE c.stage IN ('confirm', 'plan', 'contact')
      AND NOT EXISTS (SELECT 1 FROM cases_casehold h WHERE h.case_id = c.id AND h.released_at IS NULL)
), tiered AS (
    SELECT b.*, t.dpd_from AS window_dpd,
           CASE WHEN b.total_overdue >= %(threshold)s AND t.rank < 4 THEN t.rank + 1 ELSE t.rank END AS tier_rank
    FROM base b JOIN escalation_policytier t ON t.version_id = %(version)s
     AND b.dpd >= t.dpd_from AND (t.dpd_to IS NULL OR b.dpd <= t.dpd_to)
)
SELECT x.*, t.id AS tier_id, t.code AS tier_code, x.overdue_since + x.window_dpd AS window_start
FROM tiered x JOIN escalation_policytier t ON t.version_id = %(version)s AND t.rank = x.tier_rank;

INSERT INTO escalation_caseescalation (case_id, strategy, policy_version_id, tier_rank, tier_code, tier_since)
SELECT case_id, 'champion', %(version)s, tier_rank, tier_code, %(as_of)s FROM bench_eval
ON CONFLICT (case_id) DO UPDATE SET tier_rank = EXCLUDED.tier_rank, tier_code = EXCLUDED.tier_code,
    tier_since = EXCLUDED.tier_since
WHERE escalation_caseescalation.tier_rank <> EXCLUDED.tier_rank;

CREATE TEMP TABLE bench_new ON COMMIT DROP AS
WITH due AS (
    SELECT e.case_id, e.customer_id, e.tier_rank, e.stage, pa.channel, pa.code,
           e.case_id || ':' || pa.code || CASE pa.cadence
               WHEN 'once' THEN ''
               WHEN 'on_entry' THEN ':' || e.window_start
               ELSE ':' || (e.window_start + ceil(floor((e.dpd - e.window_dpd) * pa.times::numeric / pa.per_days)
                                                  * pa.per_days / pa.times)::int) END AS key,
           (%(as_of)s::timestamptz AT TIME ZONE e.timezone) AS local_now, e.timezone
    FROM bench_eval e JOIN escalation_policyaction pa ON pa.tier_id = e.tier_id
    WHERE (pa.condition = '' OR (pa.condition = 'has_email' AND e.has_email)
           OR (pa.condition = 'no_email' AND NOT e.has_email))
      -- A repeating call task still waiting in the queue gets no successor.
      AND NOT (pa.channel = 'call' AND pa.cadence = 'repeat' AND EXISTS (
          SELECT 1 FROM contacts_scheduledcontact s
          WHERE s.case_id = e.case_id AND s.status = 'scheduled' AND s.origin = 'policy' AND s.rule = pa.code))
), ranked AS (
    SELECT d.*, row_number() OVER (PARTITION BY d.customer_id, d.channel ORDER BY d.tier_rank DESC, d.case_id) AS nth
    FROM due d
)
SELECT * FROM ranked r
WHERE r.channel <> 'call'
   OR (r.nth = 1 AND NOT EXISTS (
       SELECT 1 FROM cases_account a JOIN cases_case c ON c.account_id = a.id
       JOIN contacts_scheduledcontact s ON s.case_id = c.id
       WHERE a.customer_id = r.customer_id AND c.id <> r.case_id
         AND s.status = 'scheduled' AND s.origin = 'policy' AND s.channel = 'call'));

WITH inserted AS (
    INSERT INTO contacts_scheduledcontact (case_id, channel, due_at, status, origin, idempotency_key,
        policy_version_id, rule, strategy, trail, delivery_attempts, last_error, created_at, updated_at)
    SELECT case_id, channel,
           CASE WHEN channel = 'letter' OR local_now::time BETWEEN '08:00' AND '20:59:59.999999' THEN %(as_of)s
                WHEN local_now::time < '08:00' THEN (local_now::date + time '08:00') AT TIME ZONE timezone
                ELSE (local_now::date + 1 + time '08:00') AT TIME ZONE timezone END,
           'scheduled', 'policy', key, %(version)s, code, 'champion', '[]', 0, '', %(as_of)s, %(as_of)s
    FROM bench_new
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING case_id
)
UPDATE cases_case SET stage = 'contact', stage_changed_at = %(as_of)s
WHERE id IN (SELECT case_id FROM inserted) AND stage IN ('confirm', 'plan');
"""


def _cardholders(n: int) -> tuple[int, int]:
    """(m, m2): m cardholders for n cases, m2 of them with a second card (a third of the cases beyond m + m2
    are third cards). The second cards go to the cardholders 20k+3 and 20k+8 up to m, the third to 40k+8
    and 40k+23, as many as n needs."""
    def counted(m: int, modulus: int, residues: tuple[int, int]) -> int:
        return sum((m - r) // modulus + 1 for r in residues if m >= r)

    m = int(n / 1.15)
    while m + counted(m, 20, (3, 8)) + counted(m, 40, (8, 23)) < n:
        m += 1
    return m, counted(m, 20, (3, 8))


def _prepare(n: int) -> None:
    require_bench_database()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_customer, cases_account, cases_case, cases_stagehistory, cases_casehold, "
                       "cases_payment, events_event, contacts_scheduledcontact, contacts_contactattempt, "
                       "escalation_caseescalation, escalation_escalationrun, escalation_escalationchunk, "
                       # Chunk ids start again at 1: the outbox's keys of an earlier run's chunks must go too.
                       "core_outboxtask RESTART IDENTITY CASCADE")
        m, m2 = _cardholders(n)
        cursor.execute(GENERATE, {"n": n, "m": m, "m2": m2, "today": TODAY})


def _baseline(as_of: dt.datetime) -> tuple[float, int]:
    from escalation.policy import policies_in_force

    version = policies_in_force(as_of=as_of).champion
    with transaction.atomic():
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(BASELINE, {"as_of": as_of, "version": version.pk,
                                      "threshold": version.large_amount_threshold})
            elapsed = time.perf_counter() - started
            cursor.execute("SELECT count(*) FROM bench_new b WHERE NOT EXISTS "
                           "(SELECT 1 FROM contacts_scheduledcontact s WHERE s.idempotency_key = b.key "
                           "AND s.created_at < %s)", [as_of])
            would_insert = cursor.fetchone()[0]
        transaction.set_rollback(True)
    return elapsed, would_insert


class Workers:
    """Two Celery worker processes (prefork) on the benchmark's database and broker, as in production."""

    def __init__(self, concurrency: int = 2):
        self.concurrency = concurrency
        self.process = None

    def __enter__(self):
        from collections_portal.celery import app

        app.control.purge()
        # The same settings, database and broker as this process (bench/__main__ sets them in the environment).
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "-m", "celery", "-A", "collections_portal", "worker", "--pool=prefork",
             f"--concurrency={self.concurrency}", "--loglevel=WARNING", "--without-gossip", "--without-mingle"],
            env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not _wait(lambda: bool(app.control.ping(timeout=1)), 60):
            raise SystemExit("The Celery workers did not start.")
        return self

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def run_pass(self, as_of: dt.datetime):
        """Queue a pass and wait for every chunk to finish; returns (seconds, summary)."""
        from escalation.models import EscalationChunk
        from escalation.services import escalation_pass_start, escalation_run_summary

        started = time.perf_counter()
        run = escalation_pass_start(as_of=as_of)
        pending = EscalationChunk.objects.filter(run=run, finished_at__isnull=True)
        if not _wait(lambda: not pending.exists(), 1800, step=0.1):
            raise SystemExit("The pass did not finish in 30 minutes.")
        elapsed = time.perf_counter() - started
        return elapsed, escalation_run_summary(run=run)[0]


def _wait(condition, seconds: float, step: float = 0.5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def run(report) -> None:
    from escalation.services import escalation_pass_run

    n = int(os.environ.get("BENCH_ESCALATION_CASES", "1000000"))
    print(f"   generating {n:,} open cases", flush=True)
    generate_s, _ = timed(lambda: _prepare(n))
    print(f"   generated in {generate_s:.1f} s", flush=True)
    size = f"{n:,} cases"
    with Workers() as workers:
        first_s, first = workers.run_pass(AS_OF - dt.timedelta(days=1))
        print(f"   first pass (as of the day before) {first_s:.1f} s: {first.as_dict()}", flush=True)
        # What autovacuum does after a large insert, so index-only probes of the keys skip the heap.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE contacts_scheduledcontact")
            cursor.execute("VACUUM ANALYZE escalation_caseescalation")
        baseline_s, baseline_rows = _baseline(AS_OF)
        print(f"   baseline {baseline_s:.1f} s ({baseline_rows:,} contacts)", flush=True)
        pass_s, summary = workers.run_pass(AS_OF)
        print(f"   daily pass on 2 workers {pass_s:.1f} s: {summary.as_dict()}", flush=True)
        noop_s, noop = workers.run_pass(AS_OF + dt.timedelta(minutes=15))
        print(f"   no-op pass on 2 workers {noop_s:.1f} s: {noop.as_dict()}", flush=True)
    inline_noop_s, inline_noop = timed(lambda: escalation_pass_run(as_of=AS_OF + dt.timedelta(minutes=30)))
    print(f"   no-op pass in one process {inline_noop_s:.1f} s", flush=True)

    inserted = sum(summary.scheduled.values())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM contacts_scheduledcontact WHERE channel = 'call' AND status = 'scheduled' "
                       "AND created_at < %s", [AS_OF])
        waiting = cursor.fetchone()[0]
    report.add(benchmark=BENCH, name=f"first pass, {size}, 2 workers ({sum(first.scheduled.values()):,} contacts)",
               value=first_s, unit="s", better="lower",
               notes="every case new: tier placement for all, entry contacts, stage moves with history and events")
    report.add(benchmark=BENCH, name=f"daily pass, {size}, 2 workers ({inserted:,} contacts, "
                                     f"{summary.tier_changes:,} tier changes, {summary.cases_evaluated:,} cases "
                                     "looked at)", value=pass_s, unit="s",
               notes=f"{waiting:,} call tasks of the day before still wait in the queue; {summary.superseded:,} "
                     "pending contacts superseded (the previous tier's call task, a reminder's earlier one)",
               baseline_name=f"hand-written set-based SQL ({baseline_rows:,} contacts)", baseline_value=baseline_s,
               better="lower", target="≤ 30 s and ≤ 4× baseline",
               met=pass_s <= 30 and pass_s <= 4 * baseline_s)
    report.add(benchmark=BENCH, name=f"no-op pass, {size}, 2 workers", value=noop_s, unit="s", better="lower",
               target="≤ 5 s", met=noop_s <= 5, notes=f"{sum(noop.scheduled.values())} contacts scheduled")
    report.add(benchmark=BENCH, name=f"no-op pass, {size}, one process (run_escalation)", value=inline_noop_s,
               unit="s", better="lower", target="≤ 5 s", met=inline_noop_s <= 5,
               notes=f"{sum(inline_noop.scheduled.values())} contacts scheduled")
