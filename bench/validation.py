"""What the lean item checks of api/validation.py save against running the DRF serializer per item.

The same 1,000-item batches of account snapshots and of payments, valid and with one bad field in every
tenth item, checked both ways in this process: `ObjectValidator.validate` per item, beside
`Serializer(data=item).is_valid()` per item (what the lean path replaces). Best of three rounds each.
"""

import os
import time
from datetime import UTC, datetime, timedelta

from bench.ingest import _account, _payment

ITEMS = int(os.environ.get("BENCH_VALIDATION_ITEMS", "5000"))


def _best(check, items: list) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for item in items:
            check(item)
        best = min(best, time.perf_counter() - started)
    return best


def _spoiled(items: list[dict], field: str, value) -> list[dict]:
    return [{**item, field: value} if n % 10 == 0 else item for n, item in enumerate(items)]


def run(report) -> None:
    from api.views.ingest import ACCOUNT_ITEM, PAYMENT_ITEM, AccountItemSerializer, PaymentItemSerializer

    as_of = datetime.now(UTC) - timedelta(hours=1)
    accounts = _spoiled([_account(f"6{n:015d}", as_of, "5000.00") for n in range(ITEMS)], "principal_overdue",
                        "12.345")
    payments = _spoiled([_payment(f"T{n}", f"6{n:015d}", as_of) for n in range(ITEMS)], "currency", "XYZ")
    for kind, items, lean, serializer in (("account snapshots", accounts, ACCOUNT_ITEM, AccountItemSerializer),
                                          ("payments", payments, PAYMENT_ITEM, PaymentItemSerializer)):
        lean_seconds = _best(lambda item, lean=lean: lean.validate(item, "items[0]"), items)
        drf_seconds = _best(lambda item, serializer=serializer: serializer(data=item).is_valid(), items)
        report.add(benchmark="validation", name=f"{kind} checked per second, DRF serializer per item",
                   value=ITEMS / drf_seconds, unit="items/s",
                   baseline_name="api/validation.py (lean checks compiled from the serializer)",
                   baseline_value=ITEMS / lean_seconds, better="higher",
                   notes=f"{ITEMS:,} items, one in ten invalid; the lean path takes {lean_seconds / drf_seconds:.0%} "
                         f"of the serializer's time, best of 3, one process")
