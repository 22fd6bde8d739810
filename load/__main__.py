"""The load scenario (`make load`): 50 agents and the core system for a bounded time, then the books.

Usage: python -m load   (LOAD_SECONDS, default 120; LOAD_AGENTS, default 50; LOAD_CASES, default 2000)

It migrates a fresh database (collections_portal_load on the local PostgreSQL), seeds it, serves the portal
with gunicorn on a spare loopback port, runs locust headless, and then reconciles: every payment the core
system sent with a 200 is applied exactly once, and every event appears exactly once in the feed.
Results go to bench/results/load.json and load.md.
"""

import csv
import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ADMIN_URL = os.environ.get("LOAD_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DATABASE = os.environ.get("LOAD_DATABASE", "collections_portal_load")
SECONDS = int(os.environ.get("LOAD_SECONDS", "120"))
AGENTS = int(os.environ.get("LOAD_AGENTS", "50"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _admin(statement: str) -> None:
    conn = psycopg2.connect(ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(statement)
    conn.close()


def _percentiles(rows: list[dict], prefix: str) -> dict:
    chosen = [row for row in rows if row["Name"].startswith(prefix)]
    return {row["Name"]: {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                          "p50_ms": float(row["50%"] or 0), "p95_ms": float(row["95%"] or 0)} for row in chosen}


def _drain_feed(port: int, token: str, after: int) -> list[int]:
    ids = []
    while True:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/events/?after={after}&limit=1000",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback http only
            page = json.loads(response.read())
        if not page["results"]:
            return ids
        ids.extend(event["id"] for event in page["results"])
        after = page["next_after"]


def main() -> int:
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + DATABASE
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="collections_portal.settings.test",
               CELERY_BROKER_URL=os.environ.get("LOAD_BROKER_URL", "memory://"), LOAD_AGENTS=str(AGENTS),
               PYTHONPATH=str(ROOT))
    _admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True,
                   timeout=600)
    token = subprocess.run([sys.executable, "-m", "load.setup_data"], cwd=ROOT, env=env, check=True,
                           capture_output=True, text=True, timeout=600).stdout.strip().splitlines()[-1]
    port = _free_port()
    bin_dir = Path(sys.executable).parent
    web = subprocess.Popen([str(bin_dir / "gunicorn"), "collections_portal.wsgi", "-b", f"127.0.0.1:{port}",
                            "-w", "3", "-k", "gthread", "--threads", "4", "--timeout", "60",
                            # Longer than any pause of a simulated user, so no request races a closing keep-alive.
                            "--keep-alive", "30"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    scratch = Path(tempfile.mkdtemp(prefix="load-"))
    ledger = scratch / "ledger.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        time.sleep(3)
        started = time.monotonic()
        subprocess.run([str(bin_dir / "locust"), "-f", str(ROOT / "load" / "locustfile.py"), "--headless",
                        "-u", str(AGENTS + 2), "-r", "10", "-t", f"{SECONDS}s", "--stop-timeout", "10",
                        "--host", f"http://127.0.0.1:{port}", "--csv", str(scratch / "load"), "--only-summary"],
                       cwd=ROOT, env=dict(env, LOAD_TOKEN=token, LOAD_LEDGER=str(ledger)),
                       timeout=SECONDS + 120, check=False)
        elapsed = time.monotonic() - started
        books = json.loads(ledger.read_text())
        feed = books["feed_ids"] + _drain_feed(port, token, books["feed_after"])
    finally:
        web.terminate()
        web.wait(timeout=30)

    conn = psycopg2.connect(url)
    with conn.cursor() as cursor:
        cursor.execute("select transaction_id, count(*) from cases_payment where transaction_id like 'LTX-%' "
                       "group by transaction_id")
        applied = dict(cursor.fetchall())
        cursor.execute("select id from events_event order by id")
        event_ids = [row[0] for row in cursor.fetchall()]
        # Outside the cardholders' contact hours the governor refuses calls (a 200 with the reason).
        cursor.execute("select count(*) from contacts_contactattempt")
        outcomes_logged = cursor.fetchone()[0]
    conn.close()
    sent = books["payments"]
    with open(scratch / "load_stats.csv") as handle:
        rows = list(csv.DictReader(handle))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    with open(scratch / "load_failures.csv") as handle:
        server_errors = sum(int(row["Occurrences"]) for row in csv.DictReader(handle)
                            if re.search(r"\b5\d\d\b", row.get("Error", "")))
    result = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "seconds": round(elapsed, 1),
        "agents": AGENTS, "requests": int(total["Request Count"]), "failures": int(total["Failure Count"]),
        "server_errors": server_errors, "outcomes_logged": outcomes_logged,
        "agent_pages": _percentiles(rows, "agent:"), "api_calls": _percentiles(rows, "api:"),
        "reconciliation": {
            "payments_sent": len(sent), "payments_applied_once": sum(1 for tx in sent if applied.get(tx) == 1),
            "payments_applied_twice_or_more": sum(1 for tx in sent if applied.get(tx, 0) > 1),
            "payments_missing": sum(1 for tx in sent if tx not in applied),
            "payments_not_sent_but_present": len(set(applied) - set(sent)),
            "events": len(event_ids), "events_in_feed_once": len(set(feed) & set(event_ids)),
            "events_repeated_in_feed": len(feed) - len(set(feed)),
            "events_missing_from_feed": len(set(event_ids) - set(feed)),
        },
    }
    rec = result["reconciliation"]
    result["passed"] = (result["server_errors"] == 0 and result["failures"] == 0
                        and rec["payments_applied_once"] == rec["payments_sent"] > 0
                        and rec["payments_not_sent_but_present"] == 0
                        and rec["events_missing_from_feed"] == rec["events_repeated_in_feed"] == 0)
    (RESULTS / "load.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [f"# Load scenario ({result['at']})", "",
             f"{AGENTS} agents and 2 core-system clients for {result['seconds']} s: {result['requests']} requests, "
             f"{result['failures']} failures, {server_errors} server errors (5xx); {outcomes_logged} call outcomes "
             "logged (outside contact hours the governor refuses them, with a 200 and the reason).", "",
             "| request | requests | p50 ms | p95 ms |", "|---|---|---|---|"]
    for name, figures in {**result["agent_pages"], **result["api_calls"]}.items():
        lines.append(f"| {name} | {figures['requests']} | {figures['p50_ms']:.0f} | {figures['p95_ms']:.0f} |")
    lines += ["", "| reconciliation | value |", "|---|---|"]
    lines += [f"| {key.replace('_', ' ')} | {value} |" for key, value in rec.items()]
    lines += ["", f"Result: {'pass' if result['passed'] else 'FAIL'}"]
    (RESULTS / "load.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
