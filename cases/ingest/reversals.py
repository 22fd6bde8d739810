"""Reversals: a payment that bounced or was returned, undone in the payment batch's transaction.

A reversal is an item of the payments batch with `reverses` naming the earlier payment's transaction id.
It is recorded as a payment row of its own (idempotent by its own transaction id) that points at the
payment it reverses, and the payment is marked reversed; neither counts as money received any more.

What the payment paid off its case's parts (its stored allocation) is put back. Where the money lands:
- the payment's case, when it is still open;
- the account's newer open case, when the payment's case has closed and a newer one opened since; the old
  case stays closed, and its timeline says where the money went;
- otherwise the payment's case itself: a case it cured or settled reopens as the same case, in follow-up
  when a plan is active again and in contact otherwise (`cases.services.cases_reopen`).
A recovery after write-off that bounces is recorded; the written-off case stays as it is.

The negotiation capability, above this module, registers what follows (a promise kept by this money is
no longer kept, a plan it paid is tracked again) through `payment_reversed_register`.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db.models import Q

from cases.ingest.common import ZERO, ItemOutcome, Result, known_accounts, reject
from cases.lifecycle import REOPEN_OUTCOMES, Stage
from cases.models import Case, Payment
from cases.services import AMOUNT_FIELDS, cases_reopen
from core.bulk import bulk_insert, bulk_update_rows
from core.i18n import stored_phrase
from events.models import EventType
from events.services import events_emit_bulk

REOPEN_REASON = stored_phrase("A payment that closed the case was reversed: the money is owed again.")

# reaction(case_ids=…, at=…) -> the ids among them that follow an active plan afterwards.
PaymentReversed = Callable[..., Iterable[int]]
_REVERSAL_REACTIONS: dict[str, PaymentReversed] = {}


def payment_reversed_register(name: str, reaction: PaymentReversed) -> None:
    """Register `reaction(case_ids=…, at=…)`, called in the batch's transaction with the cases whose money was
    reversed, after the parts are put back and before a closed case reopens. It returns the case ids that
    follow an active plan afterwards: those reopen in follow-up."""
    _REVERSAL_REACTIONS[name] = reaction


def _put_back(original: dict) -> dict[str, Decimal]:
    """What the reversal adds to the case's parts: what the payment paid off them (zeros for money beyond
    what was owed).

    A payment whose allocation is not known here (the last snapshot already reflected it, or it was recorded
    before payments kept their allocation) is put back on the principal: the core system's next snapshot
    states the parts again.
    """
    if original["allocation"]:
        return {name: Decimal(value) for name, value in original["allocation"].items()}
    return {"principal_overdue": original["amount"]}


def payments_reverse(*, reports, indexes: list[int], accounts: dict, outcomes: list, actor, now: dt.datetime) -> None:
    """Undo the payments the items at `indexes` reverse; one outcome per item. The caller holds the account
    locks (in account-number order) and the transaction."""
    indexes = sorted(indexes, key=lambda i: (reports[i].account_number, reports[i].paid_at,
                                             reports[i].transaction_id))
    candidates = known_accounts(reports=reports, indexes=indexes, accounts=accounts, outcomes=outcomes)
    if not candidates:
        return
    # The payments reversed are locked: a second batch reversing one of them waits, then finds it reversed.
    originals = {row["transaction_id"]: row for row in Payment.objects.select_for_update()
                 .filter(transaction_id__any=sorted({reports[i].reverses for i in candidates})).order_by("id")
                 .values("id", "transaction_id", "account_id", "amount", "currency", "case_id", "reversed_at",
                         "reverses_id", "recovery", "allocation")}
    stored = {row["transaction_id"]: row for row in Payment.objects.filter(
        transaction_id__any=[reports[i].transaction_id for i in candidates]).values(
        "transaction_id", "account_id", "amount", "currency", "paid_at", "case_id", "reverses__transaction_id")}
    accepted: list[tuple[int, dict]] = []
    reversed_here: set[str] = set()
    for index in candidates:
        report = reports[index]
        account_id = accounts[report.account_number]["id"]
        if report.transaction_id in stored:
            row = stored[report.transaction_id]
            same = (row["account_id"], row["amount"], row["currency"], row["paid_at"],
                    row["reverses__transaction_id"]) == (account_id, report.amount, report.currency, report.paid_at,
                                                        report.reverses)
            outcomes[index] = (ItemOutcome(Result.DUPLICATE, row["case_id"]) if same else
                               reject("transaction_id", "transaction_conflict",
                                      "This transaction id was already recorded with other details."))
            continue
        original = originals.get(report.reverses)
        refusal = _refusal(report=report, original=original, account_id=account_id, reversed_here=reversed_here)
        if refusal is not None:
            outcomes[index] = refusal
            continue
        reversed_here.add(original["transaction_id"])
        accepted.append((index, original))
    if accepted:
        _reverse(reports=reports, accepted=accepted, accounts=accounts, outcomes=outcomes, actor=actor, now=now)


def _refusal(*, report, original: dict | None, account_id: int, reversed_here: set[str]) -> ItemOutcome | None:
    if original is None:
        return reject("reverses", "unknown_payment", "No payment has this transaction id.")
    if original["reverses_id"] is not None:
        return reject("reverses", "not_a_payment", "That transaction is itself a reversal.")
    if original["account_id"] != account_id:
        return reject("reverses", "account_mismatch", "That payment was made on another account.")
    if original["reversed_at"] is not None or original["transaction_id"] in reversed_here:
        return reject("reverses", "already_reversed", "That payment was already reversed.")
    if report.amount != original["amount"]:
        return reject("amount", "amount_mismatch",
                      f"The payment reversed was {original['amount']} {original['currency']}; a reversal takes "
                      "back the whole amount.")
    return None


def _reverse(*, reports, accepted: list[tuple[int, dict]], accounts: dict, outcomes: list, actor,
             now: dt.datetime) -> None:
    account_ids = sorted({original["account_id"] for _index, original in accepted})
    case_ids = sorted({original["case_id"] for _index, original in accepted if original["case_id"]})
    cases = {row["id"]: row for row in Case.objects.select_for_update()
             .filter((Q(account_id__any=account_ids) & ~Q(stage=Stage.CLOSED)) | Q(pk__any=case_ids)).order_by("pk")
             .values("id", "account_id", "stage", "outcome", *AMOUNT_FIELDS)}
    open_by_account = {row["account_id"]: row["id"] for row in cases.values() if row["stage"] != Stage.CLOSED}
    restored: dict[int, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(AMOUNT_FIELDS, ZERO))
    rows, events, touched, reopening = [], [], set(), set()
    for index, original in accepted:
        report = reports[index]
        case = cases.get(original["case_id"])
        newer = open_by_account.get(original["account_id"])
        put_back: dict[str, Decimal] = {}
        if original["recovery"]:
            landed = original["case_id"]  # a written-off case stays as it is
        elif case is not None and (case["stage"] != Stage.CLOSED or newer is None):
            landed = case["id"]
            put_back = _put_back(original)
            if case["stage"] == Stage.CLOSED and case["outcome"] in REOPEN_OUTCOMES and any(put_back.values()):
                reopening.add(case["id"])
        else:
            landed = newer  # the newer open case, or none at all
            put_back = _put_back(original) if newer is not None else {}
        for name, value in put_back.items():
            if value:
                restored[landed][name] += value
        if case is not None:
            touched.add(case["id"])
        if landed is not None:
            touched.add(landed)
        rows.append({"transaction_id": report.transaction_id, "account_id": original["account_id"],
                     "case_id": landed, "amount": report.amount, "currency": report.currency,
                     "paid_at": report.paid_at, "received_at": now, "recovery": original["recovery"],
                     "allocation": {name: str(value) for name, value in put_back.items()},
                     "reverses_id": original["id"]})
        outcomes[index] = ItemOutcome(Result.REVERSED, landed)
        if landed is not None or original["case_id"] is not None:
            events.append({"type": EventType.PAYMENT_REVERSED, "case_id": landed or original["case_id"],
                           "account_number": report.account_number, "occurred_at": now,
                           "payload": {"transaction_id": report.transaction_id,
                                       "reverses": original["transaction_id"], "amount": str(report.amount),
                                       "currency": report.currency, "reversed_at": report.paid_at.isoformat(),
                                       "paid_to_case_id": original["case_id"], "recovery": original["recovery"]}})
    # The reversals' own transaction ids are new (checked above, under the account locks); the payments
    # they reverse are locked, and the one-to-one link refuses a second reversal of one payment.
    bulk_insert(model=Payment, rows=rows)
    Payment.objects.filter(pk__any=[original["id"] for _index, original in accepted]).update(reversed_at=now)
    bulk_update_rows(model=Case, rows=[
        {"id": pk, **{name: cases[pk][name] + parts[name] for name in AMOUNT_FIELDS}, "updated_at": now}
        for pk, parts in restored.items()], fields=[*AMOUNT_FIELDS, "updated_at"])
    following_plan: set[int] = set()
    if touched:
        for reaction in _REVERSAL_REACTIONS.values():
            following_plan.update(reaction(case_ids=sorted(touched), at=now))
    if reopening:
        cases_reopen(targets={pk: Stage.FOLLOW_UP if pk in following_plan else Stage.CONTACT for pk in reopening},
                     actor=actor, reason=REOPEN_REASON, at=now)
    events_emit_bulk(events=events)
