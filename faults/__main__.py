"""Fault scenarios (`make faults`): each one bounded, on loopback, and recorded.

Usage: python -m faults [NAME ...]   (names from SCENARIOS; all when none is given)

Each scenario runs in its own process against a fresh copy of a migrated template database on the local
PostgreSQL, with its own Redis server on a spare port (the shared one on 6379 is never touched). The
PostgreSQL restart scenario runs a throwaway cluster of its own. Results go to bench/results/faults.json
and faults.md.
"""

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SCENARIOS = ["redis_down", "worker_killed", "postgres_restart", "sms_provider", "beat_twice"]
ADMIN_URL = os.environ.get("FAULTS_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
TEMPLATE = os.environ.get("FAULTS_DB_PREFIX", "collections_portal_faults")
SCENARIO_TIMEOUT = 300


def _sql(statement: str) -> None:
    conn = psycopg2.connect(ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(statement)
    conn.close()


def _url(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _env(**extra) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="collections_portal.settings.test", PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def template_prepare() -> str:
    template = f"{TEMPLATE}_template"
    _sql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    _sql(f'CREATE DATABASE "{template}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True,
                   env=_env(DATABASE_URL=_url(template)), timeout=600)
    return template


def scenario_run(name: str, template: str) -> dict:
    database = f"{TEMPLATE}_run"
    _sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    _sql(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", f"faults.{name}"], cwd=ROOT, capture_output=True, text=True,
                              env=_env(DATABASE_URL=_url(database)), timeout=SCENARIO_TIMEOUT)
        lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
        if lines:
            result = json.loads(lines[-1][len("RESULT "):])
        else:
            result = {"passed": False, "checks": {}, "error": (done.stderr or done.stdout)[-2000:]}
    except subprocess.TimeoutExpired:
        result = {"passed": False, "checks": {}, "error": f"stopped after {SCENARIO_TIMEOUT} s"}
    result.update(scenario=name, seconds=round(time.monotonic() - started, 1))
    return result


def write(results: list[dict]) -> None:
    """Write faults.json and faults.md. Running some scenarios keeps the others' last results."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    path = RESULTS / "faults.json"
    ran = {result["scenario"] for result in results}
    kept = []
    if path.exists():
        previous = json.loads(path.read_text())
        kept = [{"at": previous.get("at", ""), **result} for result in previous.get("scenarios", [])
                if result["scenario"] not in ran]
    order = {name: position for position, name in enumerate(SCENARIOS)}
    scenarios = sorted(kept + [{**result, "at": at} for result in results],
                       key=lambda result: order.get(result["scenario"], len(order)))
    path.write_text(json.dumps({"at": at, "scenarios": scenarios}, indent=2, ensure_ascii=False))
    lines = [f"# Fault scenarios ({at})", "",
             "| scenario | result | seconds | what was checked | run at |", "|---|---|---|---|---|"]
    for result in scenarios:
        checks = "; ".join(f"{key}: {value}" for key, value in result.get("checks", {}).items())
        if result.get("error"):
            checks = f"{checks}; error: {result['error'].splitlines()[-1] if result['error'] else ''}"
        lines.append(f"| {result['scenario']} | {'pass' if result['passed'] else 'FAIL'} | {result['seconds']} | "
                     f"{checks.replace('|', '/')} | {result['at'][:16].replace('T', ' ')} |")
    (RESULTS / "faults.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str]) -> int:
    chosen = argv or SCENARIOS
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        print(f"Unknown scenario(s): {', '.join(sorted(unknown))}. Known: {', '.join(SCENARIOS)}")
        return 2
    template = template_prepare()
    results = []
    for name in chosen:
        print(f"== {name}", flush=True)
        results.append(scenario_run(name, template))
        print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    write(results)
    print((RESULTS / "faults.md").read_text())
    return 0 if all(result["passed"] for result in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
