"""How the escalation pass and ingest grow with worker processes: 1, 2 and 4 (BENCH_SCALING_WORKERS).

- The pass: BENCH_SCALING_CASES open cases (default 200,000) generated afresh for each count, then the
  first pass (every case new, the heaviest) queued in chunks of BENCH_SCALING_CHUNK cases (default 5,000)
  to that many prefork worker processes; chunks per second.
- Ingest: gunicorn with that many worker processes; BENCH_SCALING_BATCHES batches of 1,000 new accounts
  (default 20) posted by 4 clients at once; items per second.

Read the figures against the machine's CPUs (in the report's header): past one process per CPU, the
workers, gunicorn and PostgreSQL share the same cores, and the figures show where that limit is.
"""

import datetime as dt
import json
import os
import random
import time
from datetime import UTC, datetime, timedelta

import bench.ingest as ingest
from bench.escalation import AS_OF, Workers, _prepare, _wait

BENCH = "scaling"


def _pass_on(workers: int, cases: int, chunk: int) -> tuple[float, int]:
    from escalation.models import EscalationChunk
    from escalation.services import escalation_pass_start

    _prepare(cases)
    with Workers(concurrency=workers):
        started = time.perf_counter()
        run = escalation_pass_start(as_of=AS_OF - dt.timedelta(days=1), chunk_size=chunk)
        pending = EscalationChunk.objects.filter(run=run, finished_at__isnull=True)
        if not _wait(lambda: not pending.exists(), 1800, step=0.1):
            raise SystemExit("The pass did not finish in 30 minutes.")
        return time.perf_counter() - started, run.chunks_total


def _ingest_on(workers: int, batches: int) -> float:
    from api.services import api_client_create

    run_id = datetime.now(UTC).strftime("%H%M%S") + str(workers)
    token = api_client_create(name=f"bench-scaling-{run_id}-{random.randint(0, 10**6)}", scopes=["ingest"])[1]  # noqa: S311
    as_of = datetime.now(UTC) - timedelta(hours=1)
    items = [ingest._account(f"7{run_id}{n:07d}", as_of, "5000.00") for n in range(batches * ingest.BATCH)]
    bodies = [json.dumps({"items": chunk}).encode() for chunk in ingest._chunks(items)]
    ingest.WORKERS, ingest.CLIENTS = workers, 4
    port = ingest._free_port()
    server = ingest._start_server(port)
    try:
        warm = [json.dumps({"items": [ingest._account(f"6{run_id}{n:08d}", as_of, "10.00")]}).encode()
                for n in range(workers * 3)]
        ingest._send_all(port, token, "/api/v1/accounts/batch", warm)
        seconds, statuses, counts = ingest._send_all(port, token, "/api/v1/accounts/batch", bodies)
        assert statuses == [200] * len(bodies) and counts.get("created") == len(items), (statuses[:3], counts)
        return len(items) / seconds
    finally:
        server.terminate()
        server.wait(timeout=60)


def run(report) -> None:
    counts = [int(n) for n in os.environ.get("BENCH_SCALING_WORKERS", "1,2,4").split(",")]
    cases = int(os.environ.get("BENCH_SCALING_CASES", "200000"))
    chunk = int(os.environ.get("BENCH_SCALING_CHUNK", "5000"))
    batches = int(os.environ.get("BENCH_SCALING_BATCHES", "20"))
    cpus = os.cpu_count()
    for workers in counts:
        seconds, chunks = _pass_on(workers, cases, chunk)
        print(f"   pass on {workers} worker(s): {chunks} chunks in {seconds:.1f} s", flush=True)
        report.add(benchmark=BENCH, name=f"first pass, {cases:,} cases, {workers} worker process(es)",
                   value=chunks / seconds, unit="chunks/s", better="higher",
                   notes=f"{chunks} chunks of {chunk:,} cases in {seconds:.1f} s; {cpus} CPUs shared with PostgreSQL")
    for workers in counts:
        per_second = _ingest_on(workers, batches)
        print(f"   ingest on {workers} gunicorn worker(s): {per_second:,.0f} items/s", flush=True)
        report.add(benchmark=BENCH, name=f"ingest, new accounts, {workers} gunicorn worker process(es)",
                   value=per_second, unit="items/s", better="higher",
                   notes=f"{batches} batches of 1,000 from 4 clients; {cpus} CPUs shared with PostgreSQL")
