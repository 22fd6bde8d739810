"""What the core system pushes: account snapshots, payments (and their reversals) and recalls, applied in sets.

Both passes lock the accounts they touch in account-number order (then their open cases), so concurrent
batches for the same accounts queue behind each other instead of losing an update or deadlocking. An item
the domain refuses is reported and skipped; it never blocks the rest of its batch.

Snapshots and payments may arrive in any order. A snapshot states the overdue amounts as of its `as_of`;
payments paid after that moment (already received) are taken off it. A payment paid before the last
snapshot applied is recorded only, because that snapshot already reflects it.
"""

from cases.ingest.common import (
    AccountSnapshot,
    ContactData,
    CustomerData,
    ItemOutcome,
    PaymentReport,
    Rejection,
    Result,
    payment_allocate,
)
from cases.ingest.payments import payments_ingest
from cases.ingest.recalls import RECALL_REASONS, Recall, accounts_recall
from cases.ingest.snapshots import accounts_ingest

__all__ = [
    "RECALL_REASONS", "AccountSnapshot", "ContactData", "CustomerData", "ItemOutcome", "PaymentReport", "Recall",
    "Rejection", "Result", "accounts_ingest", "accounts_recall", "payment_allocate", "payments_ingest",
]
