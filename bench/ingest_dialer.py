"""The dialer's batch against a running server: calls/s through POST /api/v1/contact-attempts/batch,
beside a raw-SQL insert of the same calls in the same run.

Accounts with open cases are written first through the accounts batch, one set for the API and one for
the baseline, so neither run's calls count against the other's. Each cardholder
gets CALLS_PER_ACCOUNT calls on one day, some outside contact hours and more than the daily limit, so
the API's figure includes judging breaches. The baseline inserts the same rows from Python with one
`INSERT … SELECT … ON CONFLICT DO NOTHING` per batch over as many connections: the number encrypted and
hashed by the same helpers (pii_encrypt_many, pii_hash_many), the case and cardholder found by account
number, no verdict, no breach, no call task answered.
"""

import json
import os
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.management import call_command

from bench.ingest import (
    BATCH,
    CLIENTS,
    WORKERS,
    _account,
    _chunks,
    _free_port,
    _raw_sql,
    _send_all,
    _start_server,
)

CALL_BATCHES = int(os.environ.get("BENCH_DIALER_BATCHES", "20"))
CALLS_PER_ACCOUNT = 4
TARGET_RATIO = 3.0
RESULTS = ["no_answer"] * 6 + ["right_party", "left_message", "promise", "wrong_number"]


def _calls(numbers: list[str], prefix: str, day: datetime) -> list[dict]:
    rng = random.Random(20)  # noqa: S311 - the same mix of calls for both paths
    calls = []
    for number in numbers:
        for n in range(CALLS_PER_ACCOUNT):
            # 09:00 to 21:59 in Shanghai: the last calls of some cardholders fall outside contact hours.
            started = day + timedelta(hours=9 + 3 * n + rng.randint(0, 1), minutes=rng.randint(0, 59))
            calls.append({
                "external_id": f"{prefix}-{number}-{n}", "account_number": number,
                "direction": "inbound" if rng.random() < 0.1 else "outbound",
                # Each cardholder's own number (account numbers are unique to the run).
                "number": f"+86{number[-11:]}", "started_at": started.isoformat(),
                "duration_seconds": rng.randint(0, 600), "result": rng.choice(RESULTS), "agent": "",
                "recording": {"ref": f"REC-{prefix}-{number}-{n}", "sha256": "ab" * 32, "keep_until": "2030-12-31"},
            })
    rng.shuffle(calls)
    return calls


def _raw_calls(cursor, batch: list[dict]) -> None:
    from psycopg2.extras import execute_values

    from core.crypto import pii_encrypt_many, pii_hash_many

    now = datetime.now(UTC)
    numbers = [c["number"] for c in batch]
    execute_values(cursor, """
        INSERT INTO contacts_contactattempt (case_id, customer_id, channel, direction, source, external_id,
            actor_label, occurred_at, logged_at, duration_seconds, number, number_hash, third_party, result,
            delinquency_reason, callback_requested, notes, recording_ref, recording_sha256, recording_keep_until,
            verdict, breached_rules)
        SELECT c.id, a.customer_id, 'call', v.direction, 'telephony', v.external_id, 'telephony',
            v.started_at::timestamptz, v.now::timestamptz, v.duration::integer, v.number, v.number_hash, false,
            v.result, '', false, '', v.ref, v.sha256, v.keep_until::date, '{}'::jsonb, '{}'
        FROM (VALUES %s) AS v(external_id, account_number, direction, started_at, now, duration, number,
                              number_hash, result, ref, sha256, keep_until)
        JOIN cases_account a ON a.account_number = v.account_number
        JOIN cases_case c ON c.account_id = a.id AND c.stage <> 'closed'
        ON CONFLICT (external_id) WHERE external_id <> '' DO NOTHING""",
        [(c["external_id"], c["account_number"], c["direction"], c["started_at"], now, c["duration_seconds"],
          token, digest, c["result"], c["recording"]["ref"], c["recording"]["sha256"], c["recording"]["keep_until"])
         for c, token, digest in zip(batch, pii_encrypt_many(numbers), pii_hash_many(numbers), strict=True)],
        page_size=BATCH)


def run(report) -> None:
    from api.services import api_client_create
    from contacts.models import ContactAttempt

    call_command("migrate", verbosity=0)
    run_id = datetime.now(UTC).strftime("%H%M%S")
    token = api_client_create(name=f"bench-dialer-{run_id}-{random.randint(0, 10**6)}",  # noqa: S311
                              scopes=["ingest", "telephony"])[1]
    total = CALL_BATCHES * BATCH
    accounts = total // CALLS_PER_ACCOUNT
    as_of = datetime.now(UTC) - timedelta(days=3)
    api_numbers = [f"7{run_id}1{n:08d}" for n in range(accounts)]
    raw_numbers = [f"7{run_id}2{n:08d}" for n in range(accounts)]

    day = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=2)
    api_calls, raw_calls = _calls(api_numbers, f"A{run_id}", day), _calls(raw_numbers, f"R{run_id}", day)
    bodies = [json.dumps({"items": chunk}).encode() for chunk in _chunks(api_calls)]

    port = _free_port()
    server = _start_server(port)
    try:
        account_bodies = [json.dumps({"items": chunk}).encode()
                          for chunk in _chunks([_account(n, as_of, "5000.00") for n in api_numbers + raw_numbers])]
        _seconds, statuses, counts = _send_all(port, token, "/api/v1/accounts/batch", account_bodies)
        assert statuses == [200] * len(account_bodies) and counts.get("created") == 2 * accounts, counts
        warm = [json.dumps({"items": [{**api_calls[0], "external_id": f"W{run_id}-{n}"}]}).encode()
                for n in range(WORKERS * 3)]
        _send_all(port, token, "/api/v1/contact-attempts/batch", warm)
        seconds, statuses, counts = _send_all(port, token, "/api/v1/contact-attempts/batch", bodies)
        assert statuses == [200] * len(bodies) and counts.get("recorded") == total, (statuses[:3], counts)
        api_rate = total / seconds
        # The same batches again: every call a duplicate.
        replay_seconds, statuses, counts = _send_all(port, token, "/api/v1/contact-attempts/batch", bodies)
        assert statuses == [200] * len(bodies) and counts.get("duplicate") == total, (statuses[:3], counts)
    finally:
        server.terminate()
        server.wait(30)
    raw_seconds = _raw_sql(_chunks(raw_calls), _raw_calls)
    baseline = total / raw_seconds
    breaches = ContactAttempt.objects.filter(external_id__startswith=f"A{run_id}-").exclude(breached_rules=[]).count()

    notes = (f"{total:,} calls on {accounts:,} cardholders ({CALLS_PER_ACCOUNT} a day each; {breaches:,} recorded "
             f"as breaches), {BATCH:,}-call batches, {CLIENTS} clients, {WORKERS} workers")
    report.add(benchmark="ingest_dialer", name="calls per second, the dialer batch", value=api_rate,
               unit="items/s", baseline_name="raw SQL insert of the same calls, numbers encrypted alike",
               baseline_value=baseline, better="higher", target=f"within {TARGET_RATIO:g}× of the baseline",
               met=baseline / api_rate <= TARGET_RATIO, notes=notes)
    report.add(benchmark="ingest_dialer", name="calls per second, the same batches sent again (all duplicates)",
               value=total / replay_seconds, unit="items/s", better="higher", notes=notes)
