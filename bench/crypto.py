"""Account ingest with `MultiFernet.encrypt` (core.crypto) beside Fernet tokens hand-built from primitives.

New accounts (each with a new cardholder, so a national id and a phone to encrypt) are posted in
1,000-item batches to /api/v1/accounts/batch through Django's test client, in this process: the whole
request path (parsing, validation, the set-based writes) without the network and server processes, so
encryption weighs at least as much here as it does behind gunicorn. The two paths take turns batch by
batch (each going first in every other pair) so that a noisy neighbour and a growing table slow both
alike. The throughput of each path is its accounts over its seconds, summed over its batches.

A second pair of figures times the encryption alone: the same values through each path.
"""

import base64
import hashlib
import hmac
import json
import os
import random
import time
from datetime import UTC, datetime, timedelta
from statistics import median
from unittest import mock

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.management import call_command
from django.test import Client

from bench.ingest import BATCH, _account, _chunks

PAIRS = int(os.environ.get("BENCH_CRYPTO_PAIRS", "60"))
VALUES = int(os.environ.get("BENCH_CRYPTO_VALUES", "200000"))
# The hand-built path earns its place only if MultiFernet costs more than this share of ingest throughput.
THRESHOLD = 0.10


def hand_built_many(values) -> list[str]:
    """Fernet tokens built straight from the primitives, as core.crypto once did "for speed": one random
    read and one timestamp for the batch, the HMAC's keyed state copied rather than keyed per value. Kept
    here only as the comparison that decided against it."""
    from django.conf import settings

    raw = base64.urlsafe_b64decode(settings.PII_ENCRYPTION_KEYS[0].encode())
    signing, aes = hmac.new(raw[:16], digestmod=hashlib.sha256), algorithms.AES(raw[16:])
    head = b"\x80" + int(time.time()).to_bytes(8, "big")
    ivs = os.urandom(16 * len(values))
    out = []
    for position, value in enumerate(values):
        if not value:
            out.append("")
            continue
        data = value.encode()
        pad = 16 - len(data) % 16
        iv = ivs[16 * position:16 * position + 16]
        encryptor = Cipher(aes, modes.CBC(iv)).encryptor()
        basic = head + iv + encryptor.update(data + bytes((pad,)) * pad) + encryptor.finalize()
        mac = signing.copy()
        mac.update(basic)
        out.append(base64.urlsafe_b64encode(basic + mac.digest()).decode())
    return out


def _ingest(client: Client, bodies: list[bytes]) -> float:
    started = time.perf_counter()
    for body in bodies:
        response = client.post("/api/v1/accounts/batch", body, content_type="application/json")
        assert response.status_code == 200, response.content[:300]
        assert all(row["result"] == "created" for row in response.json()["results"])
    return time.perf_counter() - started


def run(report) -> None:
    from api.services import api_client_create
    from core.crypto import pii_decrypt, pii_encrypt_many

    call_command("migrate", verbosity=0)
    run_id = datetime.now(UTC).strftime("%H%M%S")
    token = api_client_create(name=f"bench-crypto-{run_id}-{random.randint(0, 10**6)}", scopes=["ingest"])[1]  # noqa: S311
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    as_of = datetime.now(UTC) - timedelta(hours=1)

    def bodies(tag: str, batches: int) -> list[bytes]:
        items = [_account(f"7{tag}{run_id}{n:06d}", as_of, "5000.00") for n in range(batches * BATCH)]
        return [json.dumps({"items": chunk}).encode() for chunk in _chunks(items)]

    _ingest(client, bodies("00", 3))  # warm up: imports, connections, caches
    seconds = {"hand-built": 0.0, "MultiFernet": 0.0}
    costs = []
    for number in range(PAIRS):
        # One batch through each path, in turn first, so that drift and noise fall on both alike.
        order = ["hand-built", "MultiFernet"] if number % 2 == 0 else ["MultiFernet", "hand-built"]
        taken = {}
        for path in order:
            [body] = bodies(f"{number:03d}{path[0]}", 1)
            if path == "hand-built":
                with mock.patch("core.crypto.pii_encrypt_many", hand_built_many):
                    taken[path] = _ingest(client, [body])
            else:
                taken[path] = _ingest(client, [body])
            seconds[path] += taken[path]
        costs.append(1 - taken["hand-built"] / taken["MultiFernet"])
    accounts = PAIRS * BATCH
    hand, multi = accounts / seconds["hand-built"], accounts / seconds["MultiFernet"]
    cost = 1 - multi / hand
    report.add(benchmark="crypto", name="accounts per second, new cardholders, MultiFernet.encrypt",
               value=multi, unit="items/s", baseline_name="the same ingest with tokens hand-built from the primitives",
               baseline_value=hand, better="higher",
               target=f"MultiFernet costs ≤ {THRESHOLD:.0%} of ingest throughput (else keep hand-built tokens)",
               met=cost <= THRESHOLD,
               notes=f"MultiFernet costs {cost:.1%} of ingest throughput (median batch pair {median(costs):.1%}); "
                     f"{accounts:,} accounts per path in {PAIRS} interleaved pairs of {BATCH:,}-item batches, "
                     f"in process (test client)")

    # The encryption alone: national ids and phones, as a snapshot batch carries them.
    values = [f"31010119{n:010d}" if n % 2 else f"+86139{n:08d}" for n in range(VALUES)]
    hand_seconds = min(_timed(hand_built_many, values) for _ in range(3))
    multi_seconds = min(_timed(pii_encrypt_many, values) for _ in range(3))
    assert pii_decrypt(hand_built_many(values[:1])[0]) == values[0]
    report.add(benchmark="crypto", name="values encrypted per second, MultiFernet.encrypt (core.crypto)",
               value=VALUES / multi_seconds, unit="values/s",
               baseline_name="tokens hand-built from AES-CBC and HMAC primitives",
               baseline_value=VALUES / hand_seconds, better="higher",
               notes=f"{VALUES:,} national ids and phones, best of 3")


def _timed(fn, values) -> float:
    started = time.perf_counter()
    fn(values)
    return time.perf_counter() - started
