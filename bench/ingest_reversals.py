"""Payments ingest with 1 % reversals mixed in, against a running server, beside a raw-SQL baseline.

Accounts and a first payment each are loaded first (not measured). The measured round sends the next
payments, 1,000 to a batch, with one item in a hundred a reversal of an account's first payment (a bounced
payment: the allocation put back, the payment marked reversed, the reversal recorded). The baseline writes
the same rows from Python with plain statements over as many connections: the payments inserted and the
cases paid down, as in `bench.ingest`, and for the reversals the reversal rows inserted, the payments they
reverse marked and the amounts added back to the open cases.
"""

import json
import os
import random
from datetime import UTC, datetime, timedelta

from django.core.management import call_command

from bench.ingest import (
    BATCH,
    CLIENTS,
    TARGET_RATIO,
    WORKERS,
    _account,
    _chunks,
    _free_port,
    _payment,
    _raw_accounts,
    _raw_payments,
    _raw_sql,
    _send_all,
    _start_server,
)

BATCHES = int(os.environ.get("BENCH_REVERSAL_BATCHES", "10"))
REVERSAL_SHARE = 100  # one item in this many is a reversal


def _raw_mixed(cursor, batch: list[dict]) -> None:
    from psycopg2.extras import execute_values

    payments = [item for item in batch if "reverses" not in item]
    reversals = [item for item in batch if "reverses" in item]
    if payments:
        _raw_payments(cursor, payments)
    if not reversals:
        return
    now = datetime.now(UTC)
    execute_values(cursor, """
        INSERT INTO cases_payment (transaction_id, account_id, amount, currency, paid_at, received_at, reverses_id)
        SELECT v.tx, o.account_id, o.amount, o.currency, v.paid_at::timestamptz, v.now::timestamptz, o.id
        FROM (VALUES %s) AS v(tx, reverses, paid_at, now)
        JOIN cases_payment o ON o.transaction_id = v.reverses AND o.reversed_at IS NULL
        ON CONFLICT (transaction_id) DO NOTHING""",
        [(r["transaction_id"], r["reverses"], r["paid_at"], now) for r in reversals], page_size=BATCH)
    execute_values(cursor, """
        UPDATE cases_payment AS p SET reversed_at = v.now::timestamptz
        FROM (VALUES %s) AS v(reverses, now) WHERE p.transaction_id = v.reverses""",
        sorted((r["reverses"], now) for r in reversals), page_size=BATCH)
    execute_values(cursor, """
        UPDATE cases_case AS c SET principal_overdue = c.principal_overdue + v.amount::numeric,
            updated_at = v.now::timestamptz
        FROM (VALUES %s) AS v(account_number, amount, now)
        JOIN cases_account a ON a.account_number = v.account_number
        WHERE c.account_id = a.id AND c.stage <> 'closed'""",
        sorted((r["account_number"], r["amount"], now) for r in reversals), page_size=BATCH)


def _mixed(numbers: list[str], first_paid: datetime, paid_at: datetime) -> list[dict]:
    items = []
    for n, number in enumerate(numbers):
        if n % REVERSAL_SHARE == 0:
            items.append({**_payment(f"R{number}", number, paid_at), "reverses": f"B{number}"})
        else:
            items.append(_payment(f"C{number}", number, paid_at))
    random.Random(7).shuffle(items)
    return items


def run(report) -> None:
    from api.services import api_client_create

    call_command("migrate", verbosity=0)
    run_id = datetime.now(UTC).strftime("%H%M%S")
    token = api_client_create(name=f"bench-rv-{run_id}-{random.randint(0, 10**6)}", scopes=["ingest", "read"])[1]  # noqa: S311
    as_of = datetime.now(UTC) - timedelta(hours=1)
    total = BATCHES * BATCH
    api_numbers = [f"7{run_id}{n:07d}" for n in range(total)]
    raw_numbers = [f"6{run_id}{n:07d}" for n in range(total)]
    first_paid, later = as_of + timedelta(minutes=5), as_of + timedelta(minutes=20)

    port = _free_port()
    server = _start_server(port)
    try:
        # Loaded, not measured: the accounts and a first payment on each.
        _send_all(port, token, "/api/v1/accounts/batch",
                  [json.dumps({"items": c}).encode() for c in _chunks([_account(n, as_of, "5000.00")
                                                                       for n in api_numbers])])
        _send_all(port, token, "/api/v1/payments/batch",
                  [json.dumps({"items": c}).encode() for c in _chunks([_payment(f"B{n}", n, first_paid)
                                                                       for n in api_numbers])])
        _raw_sql(_chunks([_account(n, as_of, "5000.00") for n in raw_numbers]), _raw_accounts)
        _raw_sql(_chunks([_payment(f"B{n}", n, first_paid) for n in raw_numbers]), _raw_payments)

        bodies = [json.dumps({"items": c}).encode() for c in _chunks(_mixed(api_numbers, first_paid, later))]
        seconds, statuses, counts = _send_all(port, token, "/api/v1/payments/batch", bodies)
        reversals = total // REVERSAL_SHARE
        assert statuses == [200] * len(bodies), statuses[:3]
        assert counts.get("reversed") == reversals and counts.get("applied") == total - reversals, counts
        api_rate = total / seconds
        baseline_rate = total / _raw_sql(_chunks(_mixed(raw_numbers, first_paid, later)), _raw_mixed)
    finally:
        server.terminate()
        server.wait(30)

    ratio = baseline_rate / api_rate
    report.add(benchmark="ingest reversals", name="payments per second, 1 % of them reversals", value=api_rate,
               unit="items/s", baseline_name="raw SQL: payments inserted and cases paid down; reversals inserted, "
                                             "payments marked, amounts added back",
               baseline_value=baseline_rate, better="higher", target=f"within {TARGET_RATIO:g}× of the baseline",
               met=ratio <= TARGET_RATIO,
               notes=f"{total:,} items ({reversals:,} reversals) in {BATCH:,}-item batches, {CLIENTS} clients, "
                     f"{WORKERS} workers")
