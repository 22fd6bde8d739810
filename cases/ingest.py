"""What the core system pushes: account snapshots and payments, applied in sets.

Both passes lock the accounts they touch in account-number order (then their open cases), so concurrent
batches for the same accounts queue behind each other instead of losing an update or deadlocking. An item
the domain refuses is reported and skipped; it never blocks the rest of its batch.

Snapshots and payments may arrive in any order. A snapshot states the overdue amounts as of its `as_of`;
payments paid after that moment (already received) are taken off it. A payment paid before the last
snapshot applied is recorded only, because that snapshot already reflects it.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases.delinquency import local_date
from cases.lifecycle import Outcome, Stage
from cases.models import Account, Case, Customer, Payment
from cases.services import AMOUNT_FIELDS, cases_open_bulk, cases_transition_bulk
from core.actors import CORE_SYSTEM
from core.bulk import bulk_update_rows

ZERO = Decimal("0.00")
# Clocks differ a little between the core system and us; beyond this, a moment "in the future" is refused.
CLOCK_SKEW = dt.timedelta(minutes=5)
PART_FIELDS = {"fees": "fees_overdue", "penalty": "penalty_overdue", "interest": "interest_overdue",
               "principal": "principal_overdue"}
CUSTOMER_FIELDS = ("name", "national_id", "phone", "email", "address", "region", "timezone")


class Result:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    STALE = "stale"
    CURED = "cured"
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Rejection:
    field: str
    code: str
    message: str


@dataclass
class ItemOutcome:
    result: str
    case_id: int | None = None
    errors: list[Rejection] = field(default_factory=list)


@dataclass
class CustomerData:
    external_id: str
    name: str
    national_id: str
    phone: str
    email: str | None = None
    address: str | None = None
    region: str | None = None
    timezone: str | None = None


@dataclass
class AccountSnapshot:
    account_number: str
    customer: CustomerData
    currency: str
    principal_overdue: Decimal
    interest_overdue: Decimal
    fees_overdue: Decimal
    penalty_overdue: Decimal
    overdue_since: dt.date
    as_of: dt.datetime
    product: str | None = None

    def amounts(self) -> dict[str, Decimal]:
        return {name: getattr(self, name) for name in AMOUNT_FIELDS}


@dataclass
class PaymentReport:
    transaction_id: str
    account_number: str
    amount: Decimal
    currency: str
    paid_at: dt.datetime


def payment_allocate(*, amounts: dict[str, Decimal], paid: Decimal) -> tuple[dict[str, Decimal], Decimal]:
    """Pay `paid` off `amounts` in the order of settings.COLLECTIONS_PAYMENT_ALLOCATION.

    Returns the amounts still overdue and what was left over (an overpayment).
    """
    left = dict(amounts)
    remaining = paid
    for part in settings.COLLECTIONS_PAYMENT_ALLOCATION:
        name = PART_FIELDS[part]
        take = min(left[name], remaining)
        left[name] -= take
        remaining -= take
    return left, remaining


def _reject(field_name: str, code: str, message: str) -> ItemOutcome:
    return ItemOutcome(Result.REJECTED, errors=[Rejection(field_name, code, message)])


def _snapshot_refusal(snapshot: AccountSnapshot, now: dt.datetime) -> ItemOutcome | None:
    zone = snapshot.customer.timezone or settings.COLLECTIONS_DEFAULT_TIMEZONE
    if snapshot.overdue_since > local_date(now, zone):
        return _reject("overdue_since", "in_future", "overdue_since cannot be in the future.")
    if snapshot.as_of > now + CLOCK_SKEW:
        return _reject("as_of", "in_future", "as_of cannot be in the future.")
    return None


def accounts_ingest(*, snapshots: list[AccountSnapshot], actor=CORE_SYSTEM,
                    now: dt.datetime | None = None) -> list[ItemOutcome]:
    """Upsert account snapshots by account number; one outcome per snapshot, in order.

    A newly delinquent account opens a case at confirm; a later snapshot updates the open case's amounts
    and `overdue_since`; a snapshot with nothing overdue closes the open case as cured. A snapshot older
    than the last one applied is stale and changes nothing; one as old as it is unchanged, so a replay
    writes nothing. Cases open and close through `cases_open_bulk` / `cases_transition_bulk`, which
    write history and events.
    """
    now = now or timezone.now()
    outcomes: list[ItemOutcome | None] = [None] * len(snapshots)
    accepted: dict[str, int] = {}
    for index, snapshot in enumerate(snapshots):
        refusal = _snapshot_refusal(snapshot, now)
        if refusal is None and snapshot.account_number in accepted:
            refusal = _reject("account_number", "duplicate_item", "This account appears earlier in the batch.")
        if refusal is not None:
            outcomes[index] = refusal
        else:
            accepted[snapshot.account_number] = index
    if accepted:
        with transaction.atomic():
            _apply_snapshots(snapshots=snapshots, indexes=accepted, outcomes=outcomes, actor=actor, now=now)
    return outcomes


def _apply_snapshots(*, snapshots, indexes: dict[str, int], outcomes: list, actor, now) -> None:
    numbers = sorted(indexes)
    latest_for_customer: dict[str, AccountSnapshot] = {}
    for number in numbers:
        snapshot = snapshots[indexes[number]]
        known = latest_for_customer.get(snapshot.customer.external_id)
        if known is None or snapshot.as_of > known.as_of:
            latest_for_customer[snapshot.customer.external_id] = snapshot

    # Make sure every customer and account exists; rows inserted here are locked until commit.
    Customer.objects.bulk_create(
        [_new_customer(latest_for_customer[external_id].customer) for external_id in sorted(latest_for_customer)],
        ignore_conflicts=True)
    customers = {row["external_id"]: row for row in Customer.objects.filter(
        external_id__in=list(latest_for_customer)).values("id", *("external_id",) + CUSTOMER_FIELDS)}
    Account.objects.bulk_create(
        [Account(account_number=number, customer_id=customers[snapshots[indexes[number]].customer.external_id]["id"],
                 product=snapshots[indexes[number]].product or "", currency=snapshots[indexes[number]].currency)
         for number in numbers], ignore_conflicts=True)
    accounts = {row["account_number"]: row for row in Account.objects.select_for_update()
                .filter(account_number__in=numbers).order_by("account_number")
                .values("id", "account_number", "currency", "snapshot_as_of", "customer_id", "product")}
    open_cases = {case.account_id: case for case in Case.objects.select_for_update()
                  .filter(account_id__in=[row["id"] for row in accounts.values()]).exclude(stage=Stage.CLOSED)
                  .order_by("account_id")}

    fresh: list[tuple[AccountSnapshot, dict]] = []
    for number in numbers:
        index, account = indexes[number], accounts[number]
        snapshot = snapshots[index]
        case = open_cases.get(account["id"])
        case_id = case.pk if case else None
        if account["currency"] != snapshot.currency:
            outcomes[index] = _reject("currency", "currency_mismatch",
                                      f"The account is in {account['currency']}, not {snapshot.currency}.")
        elif account["snapshot_as_of"] is not None and snapshot.as_of < account["snapshot_as_of"]:
            outcomes[index] = ItemOutcome(Result.STALE, case_id)
        elif account["snapshot_as_of"] == snapshot.as_of:
            outcomes[index] = ItemOutcome(Result.UNCHANGED, case_id)
        else:
            fresh.append((snapshot, account))
    if not fresh:
        return

    paid_after = _payments_after_snapshots(fresh)
    customer_rows, account_rows, case_rows = [], [], []
    to_open: list[Case] = []
    to_cure: list[Case] = []
    for snapshot, account in fresh:
        index = indexes[snapshot.account_number]
        amounts = snapshot.amounts()
        if paid_after.get(account["id"]):
            amounts, _over = payment_allocate(amounts=amounts, paid=paid_after[account["id"]])
        customer = customers[snapshot.customer.external_id]
        if latest_for_customer[snapshot.customer.external_id] is snapshot:
            changed = _customer_changes(customer, snapshot.customer)
            if changed:
                customer_rows.append({**customer, **changed, "updated_at": now})
        account_rows.append({"id": account["id"], "snapshot_as_of": snapshot.as_of, "customer_id": customer["id"],
                             "product": snapshot.product if snapshot.product is not None else account["product"]})
        case = open_cases.get(account["id"])
        nothing_overdue = sum(amounts.values()) == 0
        if case is None:
            if nothing_overdue:
                outcomes[index] = ItemOutcome(Result.UNCHANGED)
            else:
                stub = Account(pk=account["id"], account_number=snapshot.account_number, currency=snapshot.currency)
                to_open.append(Case(account=stub, currency=snapshot.currency, overdue_since=snapshot.overdue_since,
                                    **amounts))
            continue
        if any(getattr(case, name) != value for name, value in amounts.items()) \
                or case.overdue_since != snapshot.overdue_since:
            case_rows.append({"id": case.pk, **amounts, "overdue_since": snapshot.overdue_since, "updated_at": now})
            outcomes[index] = ItemOutcome(Result.UPDATED, case.pk)
        else:
            outcomes[index] = ItemOutcome(Result.UNCHANGED, case.pk)
        if nothing_overdue:
            to_cure.append(case)

    bulk_update_rows(model=Customer, rows=customer_rows, fields=[*CUSTOMER_FIELDS, "updated_at"])
    bulk_update_rows(model=Account, rows=account_rows, fields=["snapshot_as_of", "customer_id", "product"])
    bulk_update_rows(model=Case, rows=case_rows, fields=[*AMOUNT_FIELDS, "overdue_since", "updated_at"])
    for case in cases_open_bulk(cases=to_open, actor=actor, at=now,
                                reason="The core system reported the account delinquent."):
        outcomes[indexes[case.account.account_number]] = ItemOutcome(Result.CREATED, case.pk)
    if to_cure:
        for case in cases_transition_bulk(cases=to_cure, to=Stage.CLOSED, outcome=Outcome.CURED, actor=actor, at=now,
                                          reason="The core system reports nothing overdue."):
            outcomes[indexes[case.account.account_number]] = ItemOutcome(Result.CURED, case.pk)


def _new_customer(data: CustomerData) -> Customer:
    return Customer(external_id=data.external_id, name=data.name, national_id=data.national_id, phone=data.phone,
                    email=data.email or "", address=data.address or "", region=data.region or "",
                    timezone=data.timezone or settings.COLLECTIONS_DEFAULT_TIMEZONE)


def _customer_changes(stored: dict, data: CustomerData) -> dict:
    """The fields a snapshot changes; an optional field the snapshot leaves out keeps its stored value."""
    return {name: getattr(data, name) for name in CUSTOMER_FIELDS
            if getattr(data, name) is not None and getattr(data, name) != stored[name]}


def _payments_after_snapshots(fresh: list[tuple[AccountSnapshot, dict]]) -> dict[int, Decimal]:
    as_of = {account["id"]: snapshot.as_of for snapshot, account in fresh}
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    rows = Payment.objects.filter(account_id__in=list(as_of), paid_at__gt=min(as_of.values())).values_list(
        "account_id", "amount", "paid_at")
    for account_id, amount, paid_at in rows:
        if paid_at > as_of[account_id]:
            paid[account_id] += amount
    return paid


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
            outcomes[index] = _reject("paid_at", "in_future", "paid_at cannot be in the future.")
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
            outcomes[index] = _reject("transaction_id", "duplicate_item",
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
                .filter(account_number__in=sorted({reports[i].account_number for i in indexes}))
                .order_by("account_number").values("id", "account_number", "currency", "snapshot_as_of")}
    stored = {row["transaction_id"]: row for row in Payment.objects.filter(
        transaction_id__in=[reports[i].transaction_id for i in indexes]).values(
        "transaction_id", "account_id", "amount", "currency", "paid_at", "case_id")}
    new: list[int] = []
    for index in indexes:
        report = reports[index]
        account = accounts.get(report.account_number)
        if account is None:
            outcomes[index] = _reject("account_number", "unknown_account", "No account has this number.")
        elif report.currency != account["currency"]:
            outcomes[index] = _reject("currency", "currency_mismatch",
                                      f"The account is in {account['currency']}, not {report.currency}.")
        elif report.transaction_id in stored:
            row = stored[report.transaction_id]
            outcomes[index] = (ItemOutcome(Result.DUPLICATE, row["case_id"]) if _matches(row, report, account["id"])
                               else _transaction_conflict())
        else:
            new.append(index)
    if not new:
        return

    open_cases = {case.account_id: case for case in Case.objects.select_for_update(of=("self",))
                  .select_related("account").filter(account_id__in={accounts[reports[i].account_number]["id"]
                                                                      for i in new})
                  .exclude(stage=Stage.CLOSED).order_by("account_id")}
    payments = []
    for index in new:
        report = reports[index]
        account_id = accounts[report.account_number]["id"]
        case = open_cases.get(account_id)
        payments.append(Payment(transaction_id=report.transaction_id, account_id=account_id,
                                case_id=case.pk if case else None, amount=report.amount, currency=report.currency,
                                paid_at=report.paid_at, received_at=now))
    # A concurrent batch may hold the same transaction id for another account; the unique index decides.
    Payment.objects.bulk_create(payments, ignore_conflicts=True)
    stored = {row["transaction_id"]: row for row in Payment.objects.filter(
        transaction_id__in=[reports[i].transaction_id for i in new]).values(
        "transaction_id", "account_id", "amount", "currency", "paid_at", "case_id")}

    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for index in new:
        report = reports[index]
        account = accounts[report.account_number]
        if not _matches(stored[report.transaction_id], report, account["id"]):
            outcomes[index] = _transaction_conflict()
            continue
        case = open_cases.get(account["id"])
        outcomes[index] = ItemOutcome(Result.APPLIED, case.pk if case else None)
        if case is not None and (account["snapshot_as_of"] is None or report.paid_at > account["snapshot_as_of"]):
            paid[case.pk] += report.amount

    case_rows, to_cure = [], []
    for case in open_cases.values():
        if not paid.get(case.pk):
            continue
        left, _over = payment_allocate(amounts={name: getattr(case, name) for name in AMOUNT_FIELDS},
                                       paid=paid[case.pk])
        case_rows.append({"id": case.pk, **left, "updated_at": now})
        if sum(left.values()) == 0:
            to_cure.append(case)
    bulk_update_rows(model=Case, rows=case_rows, fields=[*AMOUNT_FIELDS, "updated_at"])
    if to_cure:
        cases_transition_bulk(cases=to_cure, to=Stage.CLOSED, outcome=Outcome.CURED, actor=actor, at=now,
                              reason="Paid in full: nothing remains overdue.")


def _transaction_conflict() -> ItemOutcome:
    return _reject("transaction_id", "transaction_conflict",
                   "This transaction id was already recorded with other details.")
