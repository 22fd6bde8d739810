"""Batch ingest against a running server: accounts/s and payments/s, each beside a raw-SQL baseline.

A gunicorn server is started on this machine against the benchmark database. Several clients post
1,000-item batches at once. The baselines write the same number of rows in the same run, from Python,
with plain `INSERT … ON CONFLICT` statements (psycopg2 `execute_values`) over as many connections:
- accounts: customers, accounts and open cases upserted (what a snapshot stores, without history and
  events);
- payments: payments inserted, ignoring repeats, and the open cases paid down in one UPDATE.
Then the next day's snapshot of the same accounts (new amounts, the same cardholders), beside a raw
update of accounts and cases. A last round sends overlapping batches for the same accounts from every
client at once and counts 5xx answers (a deadlock would surface as one).
"""

import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.core.management import call_command
from django.db import connection

BATCH = 1000
ACCOUNT_BATCHES = int(os.environ.get("BENCH_INGEST_BATCHES", "60"))
CLIENTS = int(os.environ.get("BENCH_INGEST_CLIENTS", "3"))
WORKERS = int(os.environ.get("BENCH_INGEST_WORKERS", "3"))
TARGET_PER_SECOND = 15_000
TARGET_RATIO = 3.0
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "collections_portal.settings.test",
           "DATABASE_URL": os.environ["DATABASE_URL"], "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "collections_portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(WORKERS), "--timeout", "120", "--log-level", "warning"],
        cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the benchmark server did not start")


def _account(number: str, as_of: datetime, principal: str) -> dict:
    return {
        "account_number": number,
        "customer": {"external_id": f"B{number}", "name": "张伟", "national_id": "310101198001011234",
                     "phone": "+8613900000000", "region": "上海"},
        "product": "Platinum", "currency": "CNY", "principal_overdue": principal, "interest_overdue": "120.50",
        "fees_overdue": "30.00", "penalty_overdue": "15.25",
        "overdue_since": (as_of - timedelta(days=random.randint(1, 200))).date().isoformat(),  # noqa: S311
        "as_of": as_of.isoformat(),
    }


def _payment(tx: str, number: str, paid_at: datetime) -> dict:
    return {"transaction_id": tx, "account_number": number, "amount": "50.00", "currency": "CNY",
            "paid_at": paid_at.isoformat()}


class _Client:
    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: bytes) -> tuple[int, dict]:
        self.conn.request("POST", path, body=body, headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, (json.loads(data) if data else {})


def _send_all(port: int, token: str, path: str, bodies: list[bytes]) -> tuple[float, list[int], dict]:
    """Post every body, CLIENTS at a time; returns (seconds, statuses, result counts)."""
    local = threading.local()
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def send(body: bytes) -> int:
        if not hasattr(local, "client"):
            local.client = _Client(port, token)
        status, data = local.client.post(path, body)
        with lock:
            for row in data.get("results", []):
                counts[row["result"]] = counts.get(row["result"], 0) + 1
        return status

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(send, bodies))
    return time.perf_counter() - started, statuses, counts


def _raw_sql(batches: list, write) -> float:
    """Run `write(cursor, batch)` for each batch, CLIENTS connections at a time, one transaction each."""
    import psycopg2

    params = connection.get_connection_params()
    local = threading.local()

    def run(batch):
        if not hasattr(local, "conn"):
            local.conn = psycopg2.connect(**params)
        with local.conn, local.conn.cursor() as cursor:
            write(cursor, batch)

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(run, batches))
    return time.perf_counter() - started


def _raw_accounts(cursor, batch: list[dict]) -> None:
    from psycopg2.extras import execute_values

    from core.crypto import pii_encrypt_many, pii_hash_many

    now = datetime.now(UTC)
    batch = sorted(batch, key=lambda item: item["account_number"])
    # The same rows as the API stores: personal data encrypted, with its lookup hashes, by the same helpers.
    national_ids, phones = [i["customer"]["national_id"] for i in batch], [i["customer"]["phone"] for i in batch]
    secrets = zip(pii_encrypt_many(national_ids), pii_hash_many(national_ids), pii_encrypt_many(phones),
                  pii_hash_many(phones), strict=True)
    execute_values(cursor, """
        INSERT INTO cases_customer (external_id, name, national_id, national_id_hash, phone, phone_hash,
                                    other_phones, email, address, region, timezone, language, created_at, updated_at)
        VALUES %s ON CONFLICT (external_id) DO UPDATE SET name = EXCLUDED.name, phone = EXCLUDED.phone,
            phone_hash = EXCLUDED.phone_hash, region = EXCLUDED.region, updated_at = EXCLUDED.updated_at
        RETURNING id""",
        [(i["customer"]["external_id"], i["customer"]["name"], *secret, "", "", "", i["customer"]["region"],
          "Asia/Shanghai", "zh-hans", now, now) for i, secret in zip(batch, secrets, strict=True)],
        page_size=BATCH, fetch=True)
    execute_values(cursor, """
        INSERT INTO cases_account (account_number, customer_id, product, currency, snapshot_as_of, created_at,
                                   repayment_reference)
        SELECT v.account_number, c.id, v.product, v.currency, v.as_of::timestamptz, v.now::timestamptz, ''
        FROM (VALUES %s) AS v(account_number, external_id, product, currency, as_of, now)
        JOIN cases_customer c ON c.external_id = v.external_id
        ON CONFLICT (account_number) DO UPDATE SET snapshot_as_of = EXCLUDED.snapshot_as_of,
            product = EXCLUDED.product""",
        [(i["account_number"], i["customer"]["external_id"], i["product"], i["currency"], i["as_of"], now)
         for i in batch], page_size=BATCH)
    execute_values(cursor, """
        INSERT INTO cases_case (account_id, stage, outcome, currency, principal_overdue, interest_overdue,
                                fees_overdue, penalty_overdue, overdue_since, priority, opened_at,
                                stage_changed_at, updated_at)
        SELECT a.id, 'confirm', '', v.currency, v.p::numeric, v.i::numeric, v.f::numeric, v.pe::numeric,
               v.since::date, 0, v.now::timestamptz, v.now::timestamptz, v.now::timestamptz
        FROM (VALUES %s) AS v(account_number, currency, p, i, f, pe, since, now)
        JOIN cases_account a ON a.account_number = v.account_number
        ON CONFLICT (account_id) WHERE stage <> 'closed' DO UPDATE SET
            principal_overdue = EXCLUDED.principal_overdue, interest_overdue = EXCLUDED.interest_overdue,
            fees_overdue = EXCLUDED.fees_overdue, penalty_overdue = EXCLUDED.penalty_overdue,
            overdue_since = EXCLUDED.overdue_since, updated_at = EXCLUDED.updated_at""",
        [(i["account_number"], i["currency"], i["principal_overdue"], i["interest_overdue"], i["fees_overdue"],
          i["penalty_overdue"], i["overdue_since"], now) for i in batch], page_size=BATCH)


def _raw_snapshots(cursor, batch: list[dict]) -> None:
    """A daily snapshot of known accounts, personal data unchanged: the account's date and the case's amounts."""
    from psycopg2.extras import execute_values

    now = datetime.now(UTC)
    batch = sorted(batch, key=lambda item: item["account_number"])
    execute_values(cursor, """
        UPDATE cases_account AS a SET snapshot_as_of = v.as_of::timestamptz
        FROM (VALUES %s) AS v(account_number, as_of) WHERE a.account_number = v.account_number""",
        [(i["account_number"], i["as_of"]) for i in batch], page_size=BATCH)
    execute_values(cursor, """
        UPDATE cases_case AS c SET principal_overdue = v.p::numeric, interest_overdue = v.i::numeric,
            fees_overdue = v.f::numeric, penalty_overdue = v.pe::numeric, updated_at = v.now::timestamptz
        FROM (VALUES %s) AS v(account_number, p, i, f, pe, now)
        JOIN cases_account a ON a.account_number = v.account_number
        WHERE c.account_id = a.id AND c.stage <> 'closed'""",
        [(i["account_number"], i["principal_overdue"], i["interest_overdue"], i["fees_overdue"],
          i["penalty_overdue"], now) for i in batch], page_size=BATCH)


def _raw_payments(cursor, batch: list[dict]) -> None:
    from psycopg2.extras import execute_values

    now = datetime.now(UTC)
    execute_values(cursor, """
        INSERT INTO cases_payment (transaction_id, account_id, amount, currency, paid_at, received_at)
        SELECT v.tx, a.id, v.amount::numeric, v.currency, v.paid_at::timestamptz, v.now::timestamptz
        FROM (VALUES %s) AS v(tx, account_number, amount, currency, paid_at, now)
        JOIN cases_account a ON a.account_number = v.account_number
        ON CONFLICT (transaction_id) DO NOTHING""",
        [(p["transaction_id"], p["account_number"], p["amount"], p["currency"], p["paid_at"], now) for p in batch],
        page_size=BATCH)
    # Pay down each open case: fees, then penalty, then interest, then principal.
    execute_values(cursor, """
        UPDATE cases_case AS c SET
            fees_overdue = greatest(c.fees_overdue - v.paid, 0),
            penalty_overdue = greatest(c.penalty_overdue - greatest(v.paid - c.fees_overdue, 0), 0),
            interest_overdue = greatest(c.interest_overdue
                - greatest(v.paid - c.fees_overdue - c.penalty_overdue, 0), 0),
            principal_overdue = greatest(c.principal_overdue
                - greatest(v.paid - c.fees_overdue - c.penalty_overdue - c.interest_overdue, 0), 0),
            updated_at = v.now::timestamptz
        FROM (VALUES %s) AS v(account_number, paid, now)
        JOIN cases_account a ON a.account_number = v.account_number
        WHERE c.account_id = a.id AND c.stage <> 'closed'""",
        sorted((p["account_number"], Decimal(p["amount"]), now) for p in batch), page_size=BATCH)


def _chunks(items: list, size: int = BATCH) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def run(report) -> None:
    from api.services import api_client_create

    call_command("migrate", verbosity=0)
    run_id = datetime.now(UTC).strftime("%H%M%S")
    token = api_client_create(name=f"bench-{run_id}-{random.randint(0, 10**6)}", scopes=["ingest", "read"])[1]  # noqa: S311
    as_of = datetime.now(UTC) - timedelta(hours=1)
    total = ACCOUNT_BATCHES * BATCH

    def numbers(kind: str) -> list[str]:
        return [f"9{kind}{run_id}{n:07d}" for n in range(total)]

    api_numbers, raw_numbers = numbers("1"), numbers("2")
    accounts = [_account(n, as_of, "5000.00") for n in api_numbers]
    raw_accounts = [_account(n, as_of, "5000.00") for n in raw_numbers]
    payments = [_payment(f"B{n}", n, as_of + timedelta(minutes=5)) for n in api_numbers]
    raw_payments = [_payment(f"B{n}", n, as_of + timedelta(minutes=5)) for n in raw_numbers]
    account_bodies = [json.dumps({"items": chunk}).encode() for chunk in _chunks(accounts)]
    payment_bodies = [json.dumps({"items": chunk}).encode() for chunk in _chunks(payments)]

    port = _free_port()
    server = _start_server(port)
    try:
        # Warm every worker (imports, connections) before measuring.
        warm = [json.dumps({"items": [_account(f"8{run_id}{n:09d}", as_of, "10.00")]}).encode()
                for n in range(WORKERS * 3)]
        _send_all(port, token, "/api/v1/accounts/batch", warm)

        seconds, statuses, counts = _send_all(port, token, "/api/v1/accounts/batch", account_bodies)
        assert statuses == [200] * len(account_bodies) and counts.get("created") == total, (statuses[:3], counts)
        api_accounts = total / seconds
        raw_seconds = _raw_sql(_chunks(raw_accounts), _raw_accounts)
        baseline_accounts = total / raw_seconds

        seconds, statuses, counts = _send_all(port, token, "/api/v1/payments/batch", payment_bodies)
        assert statuses == [200] * len(payment_bodies) and counts.get("applied") == total, (statuses[:3], counts)
        api_payments = total / seconds
        raw_seconds = _raw_sql(_chunks(raw_payments), _raw_payments)
        baseline_payments = total / raw_seconds

        # The next day's snapshot of the same accounts: new amounts, the same cardholders.
        next_day = as_of + timedelta(minutes=10)
        snapshots = [{**item, "as_of": next_day.isoformat(), "principal_overdue": "4800.00"} for item in accounts]
        raw_snapshots = [{**item, "as_of": next_day.isoformat(), "principal_overdue": "4800.00"}
                         for item in raw_accounts]
        seconds, statuses, counts = _send_all(port, token, "/api/v1/accounts/batch",
                                              [json.dumps({"items": chunk}).encode() for chunk in _chunks(snapshots)])
        assert statuses == [200] * len(account_bodies) and counts.get("updated") == total, (statuses[:3], counts)
        api_snapshots = total / seconds
        baseline_snapshots = total / _raw_sql(_chunks(raw_snapshots), _raw_snapshots)

        # Every client sends batches over the same accounts, each in its own order, all at once.
        overlap = api_numbers[: BATCH * 2]
        later = as_of + timedelta(minutes=30)
        bodies = []
        for client in range(CLIENTS * 2):
            mine = overlap[:]
            random.Random(client).shuffle(mine)
            bodies += [json.dumps({"items": [_account(n, later + timedelta(seconds=client), "4000.00")
                                             for n in chunk]}).encode() for chunk in _chunks(mine)]
        _seconds, statuses, _counts = _send_all(port, token, "/api/v1/accounts/batch", bodies)
        server_errors = sum(1 for status in statuses if status >= 500)
    finally:
        server.terminate()
        server.wait(30)

    report.add(benchmark="ingest", name="accounts per second, the next day's snapshot of known accounts",
               value=api_snapshots, unit="items/s", baseline_name="raw SQL update of accounts and cases",
               baseline_value=baseline_snapshots, better="higher",
               notes=f"{total:,} updated accounts, cardholders unchanged (nothing to re-encrypt), {CLIENTS} clients, "
                     f"{WORKERS} workers")
    for name, value, baseline, baseline_name in (
        ("accounts per second", api_accounts, baseline_accounts, "raw SQL upsert of customers, accounts, cases"),
        ("payments per second", api_payments, baseline_payments, "raw SQL insert of payments, update of cases"),
    ):
        ratio = baseline / value
        report.add(benchmark="ingest", name=name, value=value, unit="items/s", baseline_name=baseline_name,
                   baseline_value=baseline, better="higher",
                   target=f"≥ {TARGET_PER_SECOND:,}/s and within {TARGET_RATIO:g}× of the baseline",
                   met=value >= TARGET_PER_SECOND and ratio <= TARGET_RATIO,
                   notes=f"{total:,} items in {BATCH:,}-item batches, {CLIENTS} clients, {WORKERS} workers")
    report.add(benchmark="ingest", name="5xx answers, overlapping batches from every client", value=server_errors,
               unit="responses", better="lower", target="0", met=server_errors == 0,
               notes=f"{len(bodies)} batches over the same {len(overlap):,} accounts")
