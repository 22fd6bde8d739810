"""PostgreSQL restarted in the middle of a payments batch: the client gets a clear 503, and the same batch
sent again is applied once.

Another session holds the accounts' row locks, so the batch is waiting inside its transaction when the
cluster restarts, whatever the machine's speed. A throwaway cluster (initdb, pg_ctl) on a spare port and a
data folder in /tmp, so the machine's shared cluster is never restarted; the portal runs under gunicorn
with persistent connections, as in production.
"""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2

from faults.support import ROOT, free_port, report, wait_for

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_PORT = free_port()
WEB_PORT = free_port()
DATA = Path(tempfile.mkdtemp(prefix="faults-pg-"))
ITEMS = 1000


def as_postgres(*args: str) -> subprocess.CompletedProcess:
    """Run a PostgreSQL tool as the postgres user when we are root (initdb refuses root)."""
    command = [str(PG_BIN / args[0]), *args[1:]]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)


def pg_ctl(action: str, *extra: str) -> None:
    as_postgres("pg_ctl", action, "-D", str(DATA / "data"), "-w", "-l", str(DATA / "log"),
                "-o", f"-p {PG_PORT} -k {DATA} -c listen_addresses=127.0.0.1", *extra)


def call(method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{WEB_PORT}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback http only
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except (urllib.error.URLError, OSError) as exc:
        return 0, {"error": str(exc)}


def main() -> None:
    os.chown(DATA, *_postgres_ids())
    as_postgres("initdb", "-D", str(DATA / "data"), "-A", "trust", "-U", "postgres", "--no-sync")
    pg_ctl("start")
    url = f"postgres://postgres@127.0.0.1:{PG_PORT}/postgres"
    env = dict(os.environ, DATABASE_URL=url, DATABASE_CONN_MAX_AGE="600",
               DJANGO_SETTINGS_MODULE="collections_portal.settings.test")
    web = None
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True,
                       timeout=300)
        token = subprocess.run([sys.executable, "-c", TOKEN], cwd=ROOT, env=env, check=True, capture_output=True,
                               text=True, timeout=60).stdout.strip().splitlines()[-1]
        web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "collections_portal.wsgi",
                                "-b", f"127.0.0.1:{WEB_PORT}", "-w", "2", "--timeout", "120"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: call("GET", "/healthz", token)[0] in (200, 503), seconds=30)
        result = scenario(token)
    finally:
        if web:
            web.terminate()
            web.wait(timeout=20)
        try:
            pg_ctl("stop", "-m", "fast")
        finally:
            shutil.rmtree(DATA, ignore_errors=True)
    report(**result)


def scenario(token: str) -> dict:
    from faults.data import account_item, payment_item

    now = dt.datetime.now(dt.UTC)
    numbers = [f"62990000{i:08d}" for i in range(ITEMS)]
    accounts = call("POST", "/api/v1/accounts/batch", token, {"items": [account_item(n, as_of=now) for n in numbers]})
    attempts, first_503, final = [], None, None
    batch = {"items": [payment_item(f"TX-PG-{i}", n, paid_at=now - dt.timedelta(minutes=1))
                       for i, n in enumerate(numbers)]}
    # The restart must land inside the batch's transaction: another session holds the accounts' row locks,
    # so the batch is surely waiting inside its transaction when PostgreSQL goes away.
    blocker = psycopg2.connect(host="127.0.0.1", port=PG_PORT, user="postgres", dbname="postgres")
    with blocker.cursor() as cursor:
        cursor.execute("SELECT id FROM cases_account WHERE account_number = ANY(%s) FOR UPDATE", [numbers])
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(
        zip(("status", "body"), call("POST", "/api/v1/payments/batch", token, batch), strict=True)))
    thread.start()
    waiting = wait_for(lambda: _batch_waits_on_a_lock(blocker), seconds=30)
    pg_ctl("restart", "-m", "immediate")
    thread.join(timeout=120)
    blocker.close()
    attempts.append(outcome.get("status"))
    if outcome.get("status") == 503:
        first_503 = outcome["body"]
    # The client retries the same batch with a short backoff until it is accepted.
    for wait in (0, 1, 2, 4, 8):
        time.sleep(wait)
        status, body = call("POST", "/api/v1/payments/batch", token, batch)
        attempts.append(status)
        if status == 200:
            final = body
            break
    again = call("POST", "/api/v1/payments/batch", token, batch)
    applied = _count_payments(batch)
    code = (first_503 or {}).get("errors", [{}])[0].get("code")
    return {"checks": {
        "accounts accepted": accounts[0] == 200,
        "the batch was inside its transaction when the database went away": waiting,
        "the client got a clear 503 when the database went away": code == "database_unavailable",
        "retrying the same batch succeeded": final is not None,
        "every payment applied exactly once": applied == ITEMS and again[0] == 200,
    }, "statuses": attempts, "error_body": first_503, "payments_applied": applied}


def _batch_waits_on_a_lock(blocker) -> bool:
    with blocker.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # a transaction otherwise sees the first reading only
        cursor.execute("SELECT count(*) FROM pg_stat_activity "
                       "WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0] > 0


def _count_payments(batch: dict) -> int:
    prefix = batch["items"][0]["transaction_id"].rsplit("-", 1)[0] + "-"
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-tAc",
                          f"select count(*) from cases_payment where transaction_id like '{prefix}%'"],  # noqa: S608
                         capture_output=True, text=True, check=True, timeout=30)
    return int(out.stdout.strip())


def _postgres_ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


TOKEN = """
import django; django.setup()
from api.services import api_client_create
print(api_client_create(name="faults-core", scopes=["ingest", "read"])[1])
"""

if __name__ == "__main__":
    main()
