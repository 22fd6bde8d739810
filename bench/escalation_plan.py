"""What `SET LOCAL enable_seqscan = off` in the escalation pass buys: one chunk's statement planned both ways.

Generates BENCH_PLAN_CASES open cases (default 200,000) as bench/escalation.py does, runs the first pass
(as of the day before) in this process, then, for the chunks of the next morning's daily pass, runs
CHUNK under EXPLAIN ANALYZE with the planner's sequential scans allowed and forbidden, each in a
transaction rolled back. The figures are the median chunk's time both ways, and the tables the planner
reads whole when it may.
"""

import json
import os
import re
import time
from statistics import median

from django.db import connection, transaction

from bench.escalation import AS_OF, _prepare
from bench.report import timed

BENCH = "escalation plan"


def _chunk_plan(*, lo: int, hi: int, seqscan: bool) -> tuple[float, set[str]]:
    """(milliseconds, tables read by a sequential scan) of CHUNK for [lo, hi), rolled back."""
    from core.bulk import pg_array
    from escalation.chunk_sql import CHUNK
    from escalation.models import EscalationPending
    from escalation.policy import policies_in_force
    from escalation.services import _params

    with transaction.atomic():
        policies = policies_in_force(as_of=AS_OF)
        marks = EscalationPending.objects.filter(case_id__gte=lo, case_id__lt=hi).values_list("case_id", flat=True)
        params = _params(lo=lo, hi=hi, as_of=AS_OF, policies=policies, pending=pg_array(marks))
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(f"SET LOCAL enable_seqscan = {'on' if seqscan else 'off'}")
            cursor.execute("SET LOCAL escalation.in_pass = on")
            started = time.perf_counter()
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + CHUNK, params)
            elapsed = (time.perf_counter() - started) * 1000
            plan = cursor.fetchone()[0]
        transaction.set_rollback(True)
    text = json.dumps(plan)
    scanned = set(re.findall(r'"Node Type": "Seq Scan",[^{}]*?"Relation Name": "([a-z_]+)"', text))
    return elapsed, scanned


def run(report) -> None:
    from escalation.services import escalation_pass_run, escalation_ranges

    n = int(os.environ.get("BENCH_PLAN_CASES", "200000"))
    print(f"   generating {n:,} open cases", flush=True)
    _prepare(n)
    first_s, _ = timed(lambda: escalation_pass_run(as_of=AS_OF.replace(day=AS_OF.day - 1)))
    print(f"   first pass {first_s:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE contacts_scheduledcontact")
        cursor.execute("VACUUM ANALYZE escalation_caseescalation")
        cursor.execute("ANALYZE")
    ranges = escalation_ranges(as_of=AS_OF)
    times: dict[bool, list[float]] = {True: [], False: []}
    scanned: set[str] = set()
    for lo, hi in ranges:
        for seqscan in (True, False):
            ms, tables = _chunk_plan(lo=lo, hi=hi, seqscan=seqscan)
            times[seqscan].append(ms)
            if seqscan:
                scanned |= tables
        print(f"   chunk [{lo}, {hi}): seqscan on {times[True][-1]:.0f} ms, off {times[False][-1]:.0f} ms", flush=True)
    on, off = median(times[True]), median(times[False])
    report.add(benchmark=BENCH, name=f"daily-pass chunk, {n:,} cases, sequential scans allowed", value=on, unit="ms",
               baseline_name="enable_seqscan = off (as the pass runs)", baseline_value=off, better="lower",
               notes=f"median of {len(ranges)} chunks under EXPLAIN ANALYZE; read whole when allowed: "
                     f"{', '.join(sorted(scanned)) or 'nothing'}")
