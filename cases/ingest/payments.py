"""Payments from the core system, recorded once each and applied to open cases in sets."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from cases.ingest.common import (
    CLOCK_SKEW,
    ZERO,
    ItemOutcome,
    PaymentReport,
    Result,
    payment_allocate,
    reject,
)
from cases.lifecycle import Outcome, Stage
from cases.models import Account, Case, Payment
from cases.services import AMOUNT_FIELDS, cases_transition_bulk
from core.actors import CORE_SYSTEM
from core.bulk import bulk_insert, bulk_update_rows
from repayment_plans.tracking import agreements_payments_applied


def payments_ingest(*, reports: list[PaymentReport], actor=CORE_SYSTEM,
                    now: dt.datetime | None = None) -> list[ItemOutcome]:
    """Record payments once each and pay down open cases; one outcome per report, in order.

    A transaction id seen before with the same content is a duplicate and changes nothing; with other
    content it is rejected. An unknown account or another currency is rejected. A payment for an account
    without an open case is recorded. Money paid after the last snapshot lowers the open case's parts in
    the configured order; a case with nothing left overdue closes as cured.
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
            _apply_payments(reports=reports, indexes=list(first_index.values()), outcomes=outcomes, actor=actor,
                            now=now)
    for index, first in repeats:
        if outcomes[first].result in (Result.APPLIED, Result.DUPLICATE) and _same(reports[index], reports[first]):
            outcomes[index] = ItemOutcome(Result.DUPLICATE, outcomes[first].case_id)
        else:
            outcomes[index] = reject("transaction_id", "duplicate_item",
                                      "This transaction id appears earlier in the batch with other details.")
    return outcomes


def _same(a: PaymentReport, b: PaymentReport) -> bool:
    return (a.account_number, a.amount, a.currency, a.paid_at) == (b.account_number, b.amount, b.currency, b.paid_at)


def _matches(row: dict, report: PaymentReport, account_id: int) -> bool:
    return (row["account_id"], row["amount"], row["currency"], row["paid_at"]) == (
        account_id, report.amount, report.currency, report.paid_at)


def _apply_payments(*, reports, indexes: list[int], outcomes: list, actor, now) -> None:
    indexes = sorted(indexes, key=lambda i: (reports[i].account_number, reports[i].paid_at))
    accounts = {row["account_number"]: row for row in Account.objects.select_for_update()
                .filter(account_number__any=sorted({reports[i].account_number for i in indexes}))
                .order_by("account_number").values("id", "account_number", "currency", "snapshot_as_of")}
    candidates: list[int] = []
    for index in indexes:
        report = reports[index]
        account = accounts.get(report.account_number)
        if account is None:
            outcomes[index] = reject("account_number", "unknown_account", "No account has this number.")
        elif report.currency != account["currency"]:
            outcomes[index] = reject("currency", "currency_mismatch",
                                      f"The account is in {account['currency']}, not {report.currency}.")
        else:
            candidates.append(index)
    if not candidates:
        return

    open_cases = {row["account_id"]: row for row in Case.objects.select_for_update()
                  .filter(account_id__any=sorted({accounts[reports[i].account_number]["id"] for i in candidates}))
                  .exclude(stage=Stage.CLOSED).order_by("account_id").values("id", "account_id", *AMOUNT_FIELDS)}
    rows = []
    for index in candidates:
        report = reports[index]
        account_id = accounts[report.account_number]["id"]
        case = open_cases.get(account_id)
        rows.append({"transaction_id": report.transaction_id, "account_id": account_id,
                     "case_id": case["id"] if case else None, "amount": report.amount, "currency": report.currency,
                     "paid_at": report.paid_at, "received_at": now})
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
    for index in candidates:
        report = reports[index]
        account = accounts[report.account_number]
        if report.transaction_id not in inserted:
            row = stored[report.transaction_id]
            outcomes[index] = (ItemOutcome(Result.DUPLICATE, row["case_id"]) if _matches(row, report, account["id"])
                               else _transaction_conflict())
            continue
        case = open_cases.get(account["id"])
        outcomes[index] = ItemOutcome(Result.APPLIED, case["id"] if case else None)
        if case is not None:
            paid_cases.add(case["id"])
        if case is not None and (account["snapshot_as_of"] is None or report.paid_at > account["snapshot_as_of"]):
            paid[case["id"]] += report.amount

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
                              reason=gettext_noop("Paid in full: nothing remains overdue."))
    if paid_cases:
        # Promises kept by this money are settled in the same transaction as the money itself.
        agreements_payments_applied(case_ids=sorted(paid_cases), at=now)


def _transaction_conflict() -> ItemOutcome:
    return reject("transaction_id", "transaction_conflict",
                   "This transaction id was already recorded with other details.")
