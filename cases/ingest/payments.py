"""Payments from the core system, recorded once each and applied to open cases in sets.

Reversals (an item that `reverses` an earlier payment) are undone in `cases.ingest.reversals`, in the
same transaction, after the payments of the batch.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cases.ingest.common import (
    CLOCK_SKEW,
    ZERO,
    ItemOutcome,
    PaymentReport,
    Result,
    known_accounts,
    payment_allocate,
    reject,
)
from cases.ingest.reversals import payments_reverse
from cases.lifecycle import Outcome, Stage
from cases.models import Account, Case, Payment
from cases.services import AMOUNT_FIELDS, cases_transition_bulk
from core.actors import CORE_SYSTEM
from core.bulk import bulk_insert, bulk_update_rows
from core.i18n import stored_phrase
from events.models import EventType
from events.services import events_emit_bulk

# What else must follow money in the same transaction (a promise kept, a plan instalment paid). The
# negotiation capability, above this module, registers its reaction from its AppConfig.ready().
PaymentsApplied = Callable[..., None]
_PAYMENT_REACTIONS: dict[str, PaymentsApplied] = {}


def payments_applied_register(name: str, reaction: PaymentsApplied) -> None:
    """Register `reaction(case_ids=…, at=…)`, called in the batch's transaction with the open cases it paid."""
    _PAYMENT_REACTIONS[name] = reaction


def payments_ingest(*, reports: list[PaymentReport], actor=CORE_SYSTEM,
                    now: dt.datetime | None = None) -> list[ItemOutcome]:
    """Record payments once each and pay down open cases; one outcome per report, in order.

    A transaction id seen before with the same content is a duplicate and changes nothing; with other
    content it is rejected. An unknown account or another currency is rejected. A payment for an account
    without an open case is recorded; when the account's last case was written off, it is recorded on that
    case as a recovery (payment.recovered) and the case stays closed. Money paid after the last snapshot
    lowers the open case's parts in the configured order; a case with nothing left overdue closes as cured.
    An item with `reverses` undoes an earlier payment (`cases.ingest.reversals`). Everything runs in one
    transaction: an error half way writes nothing.
    """
    now = now or timezone.now()
    outcomes: list[ItemOutcome | None] = [None] * len(reports)
    first_index: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []
    for index, report in enumerate(reports):
        if report.paid_at > now + CLOCK_SKEW:
            outcomes[index] = reject("paid_at", "in_future", "paid_at cannot be in the future.")
        elif report.transaction_id in first_index:
            repeats.append((index, first_index[report.transaction_id]))
        else:
            first_index[report.transaction_id] = index
    if first_index:
        with transaction.atomic():
            # Every account of the batch is locked once, in account-number order, before anything is read.
            accounts = {row["account_number"]: row for row in Account.objects.select_for_update()
                        .filter(account_number__any=sorted({reports[i].account_number for i in first_index.values()}))
                        .order_by("account_number").values("id", "account_number", "currency", "snapshot_as_of")}
            plain = [i for i in first_index.values() if reports[i].reverses is None]
            reversing = [i for i in first_index.values() if reports[i].reverses is not None]
            if plain:
                _apply_payments(reports=reports, indexes=plain, accounts=accounts, outcomes=outcomes, actor=actor,
                                now=now)
            if reversing:
                payments_reverse(reports=reports, indexes=reversing, accounts=accounts, outcomes=outcomes,
                                 actor=actor, now=now)
    for index, first in repeats:
        if (outcomes[first].result in (Result.APPLIED, Result.DUPLICATE, Result.REVERSED)
                and _same(reports[index], reports[first])):
            outcomes[index] = ItemOutcome(Result.DUPLICATE, outcomes[first].case_id)
        else:
            outcomes[index] = reject("transaction_id", "duplicate_item",
                                      "This transaction id appears earlier in the batch with other details.")
    return outcomes


def _same(a: PaymentReport, b: PaymentReport) -> bool:
    return ((a.account_number, a.amount, a.currency, a.paid_at, a.reverses)
            == (b.account_number, b.amount, b.currency, b.paid_at, b.reverses))


def _matches(row: dict, report: PaymentReport, account_id: int) -> bool:
    return (row["account_id"], row["amount"], row["currency"], row["paid_at"]) == (
        account_id, report.amount, report.currency, report.paid_at)


def _written_off_cases(account_ids: list[int]) -> dict[int, int]:
    """Account id → its last case, for the accounts whose last case was closed written off."""
    if not account_ids:
        return {}
    return {row["account_id"]: row["id"] for row in Case.objects.filter(account_id__any=account_ids)
            .order_by("account_id", "-opened_at", "-id").distinct("account_id").values("id", "account_id", "outcome")
            if row["outcome"] == Outcome.WRITTEN_OFF}


def _apply_payments(*, reports, indexes: list[int], accounts: dict, outcomes: list, actor, now) -> None:
    indexes = sorted(indexes, key=lambda i: (reports[i].account_number, reports[i].paid_at))
    candidates = known_accounts(reports=reports, indexes=indexes, accounts=accounts, outcomes=outcomes)
    if not candidates:
        return

    open_cases = {row["account_id"]: row for row in Case.objects.select_for_update()
                  .filter(account_id__any=sorted({accounts[reports[i].account_number]["id"] for i in candidates}))
                  .exclude(stage=Stage.CLOSED).order_by("account_id").values("id", "account_id", *AMOUNT_FIELDS)}
    written_off = _written_off_cases(sorted({accounts[reports[i].account_number]["id"] for i in candidates}
                                            - set(open_cases)))
    # What each payment pays off its open case, in the order paid: the sum of these is what the batch pays.
    allocation = _allocations(reports=reports, candidates=candidates, accounts=accounts, open_cases=open_cases)
    rows = []
    for index in candidates:
        report = reports[index]
        account_id = accounts[report.account_number]["id"]
        case = open_cases.get(account_id)
        case_id = case["id"] if case else written_off.get(account_id)
        rows.append({"transaction_id": report.transaction_id, "account_id": account_id,
                     "case_id": case_id, "amount": report.amount, "currency": report.currency,
                     "paid_at": report.paid_at, "received_at": now, "recovery": case is None and case_id is not None,
                     "allocation": allocation.get(index, {})})
    # The unique index on the transaction id decides what is new, for a replay as for a concurrent batch
    # holding the same id. Inserting in transaction-id order keeps two such batches from waiting on each
    # other in a cycle.
    rows.sort(key=lambda row: row["transaction_id"])
    inserted = {tx for (tx,) in bulk_insert(model=Payment, rows=rows, conflict=["transaction_id"],
                                           returning=["transaction_id"])}
    repeated = [row["transaction_id"] for row in rows if row["transaction_id"] not in inserted]
    stored = {row["transaction_id"]: row for row in Payment.objects.filter(transaction_id__any=repeated).values(
        "transaction_id", "account_id", "amount", "currency", "paid_at", "case_id")} if repeated else {}
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    paid_cases: set[int] = set()
    applied: list[int] = []
    recovered: list[dict] = []
    for index in candidates:
        report = reports[index]
        account = accounts[report.account_number]
        if report.transaction_id not in inserted:
            row = stored[report.transaction_id]
            outcomes[index] = (ItemOutcome(Result.DUPLICATE, row["case_id"]) if _matches(row, report, account["id"])
                               else _transaction_conflict())
            continue
        case = open_cases.get(account["id"])
        if case is None and account["id"] in written_off:
            outcomes[index] = ItemOutcome(Result.APPLIED, written_off[account["id"]])
            recovered.append({"type": EventType.PAYMENT_RECOVERED, "case_id": written_off[account["id"]],
                              "account_number": report.account_number, "occurred_at": now,
                              "payload": {"transaction_id": report.transaction_id, "amount": str(report.amount),
                                          "currency": report.currency, "paid_at": report.paid_at.isoformat()}})
            continue
        outcomes[index] = ItemOutcome(Result.APPLIED, case["id"] if case else None)
        applied.append(index)
        if case is not None:
            paid_cases.add(case["id"])
        if case is not None and (account["snapshot_as_of"] is None or report.paid_at > account["snapshot_as_of"]):
            paid[case["id"]] += report.amount
    if set(allocation) - set(applied):
        # A repeat in the batch took a place in the order of payments: each payment's share is worked out
        # again from the payments actually recorded.
        _store_allocations(reports=reports, indexes=applied, accounts=accounts, open_cases=open_cases,
                           stored=allocation)

    case_rows, cured = [], []
    for case in open_cases.values():
        if not paid.get(case["id"]):
            continue
        left, _over = payment_allocate(amounts={name: case[name] for name in AMOUNT_FIELDS}, paid=paid[case["id"]])
        case_rows.append({"id": case["id"], **left, "updated_at": now})
        if sum(left.values()) == 0:
            cured.append(case["id"])
    bulk_update_rows(model=Case, rows=case_rows, fields=[*AMOUNT_FIELDS, "updated_at"])
    if cured:
        cases_transition_bulk(cases=list(Case.objects.select_related("account").filter(pk__any=cured)),
                              to=Stage.CLOSED, outcome=Outcome.CURED, actor=actor, at=now,
                              reason=stored_phrase("Paid in full: nothing remains overdue."))
    if paid_cases:
        # Promises kept by this money are settled in the same transaction as the money itself.
        for reaction in _PAYMENT_REACTIONS.values():
            reaction(case_ids=sorted(paid_cases), at=now)
    events_emit_bulk(events=recovered)


def _allocations(*, reports, candidates: list[int], accounts: dict, open_cases: dict) -> dict[int, dict]:
    """Item index → what it pays off its open case's parts ({field: "decimal"}), the items taken in order.

    Only money paid after the account's last snapshot is allocated; the snapshot reflects the rest.
    """
    left = {account_id: {name: case[name] for name in AMOUNT_FIELDS} for account_id, case in open_cases.items()}
    shares: dict[int, dict] = {}
    for index in candidates:
        report = reports[index]
        account = accounts[report.account_number]
        if account["id"] not in left:
            continue
        if account["snapshot_as_of"] is not None and report.paid_at <= account["snapshot_as_of"]:
            shares[index] = {}
            continue
        before = left[account["id"]]
        after, _over = payment_allocate(amounts=before, paid=report.amount)
        # Every part, zeros included: an empty allocation means "not known here", a zero one "paid nothing".
        shares[index] = {name: str(before[name] - after[name]) for name in AMOUNT_FIELDS}
        left[account["id"]] = after
    return shares


def _store_allocations(*, reports, indexes: list[int], accounts: dict, open_cases: dict, stored: dict) -> None:
    fresh = _allocations(reports=reports, candidates=indexes, accounts=accounts, open_cases=open_cases)
    changed = [(reports[i].transaction_id, share) for i, share in fresh.items() if stored.get(i) != share]
    if changed:
        ids = dict(Payment.objects.filter(transaction_id__any=[tx for tx, _share in changed])
                   .values_list("transaction_id", "id"))
        bulk_update_rows(model=Payment, rows=[{"id": ids[tx], "allocation": share} for tx, share in changed],
                         fields=["allocation"])


def _transaction_conflict() -> ItemOutcome:
    return reject("transaction_id", "transaction_conflict",
                   "This transaction id was already recorded with other details.")
