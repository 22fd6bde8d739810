"""A /metrics scrape over a large portfolio: the domain figures must not grow with the number of cases.

Uses the dashboards benchmark's portfolio of BENCH_METRICS_CASES open cases (default 1,000,000; generated
with one day of snapshots when the database does not hold it already), refreshes the open-case totals,
records an escalation pass cut into chunks as beat's would be (without running it), leaves a backlog in
the outbox and open complaints, then reports the median time of BENCH_METRICS_RUNS scrapes (default 20)
through the test client against the 100 ms target.
"""

import os
import statistics
import time

from django.core.management import call_command
from django.db import connection

from bench.dashboards import TODAY, _generated, _prepare
from bench.report import require_bench_database

BENCH = "metrics"


def run(report) -> None:
    from django.test import Client
    from django.utils import timezone

    from core.models import OutboxTask
    from dashboards.services import open_totals_refresh
    from escalation.models import EscalationChunk, EscalationRun

    require_bench_database()
    call_command("migrate", verbosity=0)
    n = int(os.environ.get("BENCH_METRICS_CASES", "1000000"))
    runs = int(os.environ.get("BENCH_METRICS_RUNS", "20"))
    if not (_generated(n, 1) or _generated(n, int(os.environ.get("BENCH_DASHBOARD_DAYS", "90")))):
        print(f"   generating {n:,} cases", flush=True)
        _prepare(n, 1)
    open_totals_refresh()
    chunk = int(os.environ.get("ESCALATION_CHUNK_SIZE", "10000"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM cases_case")
        low, high = cursor.fetchone()
    run_row = EscalationRun.objects.create(as_of=timezone.now(), chunks_total=0)
    ranges = [(lo, min(lo + chunk - 1, high)) for lo in range(low, high + 1, chunk)]
    EscalationChunk.objects.bulk_create([
        EscalationChunk(run=run_row, id_from=lo, id_to=hi, finished_at=timezone.now() if i % 2 else None,
                        summary={"scheduled": {"sms": 800, "call": 120}, "held_back": {"hours": 5}} if i % 2 else {})
        for i, (lo, hi) in enumerate(ranges)])
    EscalationRun.objects.filter(pk=run_row.pk).update(chunks_total=len(ranges))
    OutboxTask.objects.bulk_create([OutboxTask(task="core.heartbeat") for _ in range(1000)])

    client = Client(REMOTE_ADDR="127.0.0.1")
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/metrics")
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    assert b'portal_open_cases{stage="contact"}' in response.content
    median = statistics.median(timings)
    print(f"   scrape: median {median:.1f} ms over {runs}", flush=True)
    report.add(benchmark=BENCH, name=f"/metrics scrape, {n:,} open cases, pass of {len(ranges)} chunks",
               value=median, unit="ms", better="lower", target="< 100 ms median", met=median < 100,
               notes=f"as of {TODAY}: open-case totals, newest run, 1,000 pending outbox rows")
    OutboxTask.objects.filter(task="core.heartbeat", sent_at__isnull=True).delete()
    EscalationRun.objects.filter(pk=run_row.pk).delete()
