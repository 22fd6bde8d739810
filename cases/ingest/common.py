"""What the ingest passes share: the items, the per-item outcomes and the payment allocation."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from cases.services import AMOUNT_FIELDS

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
    REVERSED = "reversed"
    RECALLED = "recalled"
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
class ContactData:
    """One of the core system's contact points for the cardholder (a snapshot's `contacts`)."""

    kind: str
    name: str = ""
    relationship: str = ""
    phone: str = ""
    address: str = ""


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
    # Left out (None): the stored value stays. Read by a repayment plan's agreement.
    plan_interest_rate: Decimal | None = None
    repayment_reference: str | None = None
    # The cardholder's contact preferences as the core system knows them (cases.preferences).
    preferences: dict | None = None
    # Left out (None): the stored points stay. Sent, the list replaces the core system's points.
    contacts: list[ContactData] | None = None

    def amounts(self) -> dict[str, Decimal]:
        return {name: getattr(self, name) for name in AMOUNT_FIELDS}


@dataclass
class PaymentReport:
    transaction_id: str
    account_number: str
    amount: Decimal
    currency: str
    paid_at: dt.datetime
    # The transaction id of the payment this one reverses (bounced, returned); paid_at is then when.
    reverses: str | None = None


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


def reject(field_name: str, code: str, message: str) -> ItemOutcome:
    return ItemOutcome(Result.REJECTED, errors=[Rejection(field_name, code, message)])


def known_accounts(*, reports, indexes: list[int], accounts: dict, outcomes: list) -> list[int]:
    """The items whose account exists and is in their currency; the others are rejected."""
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
    return candidates
