"""Account snapshots from the core system, applied in sets. See the package docstring for the rules."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from cases.delinquency import local_date
from cases.ingest.common import (
    CLOCK_SKEW,
    ZERO,
    AccountSnapshot,
    CustomerData,
    ItemOutcome,
    Result,
    payment_allocate,
    reject,
)
from cases.ingest.contact_points import contact_points_replace
from cases.lifecycle import Outcome, Stage
from cases.models import Account, Case, Customer, Payment
from cases.preferences import preferences_from_core
from cases.services import AMOUNT_FIELDS, CaseOpening, cases_open_bulk, cases_transition_bulk
from core.actors import CORE_SYSTEM
from core.bulk import bulk_insert, bulk_update_rows
from core.crypto import pii_decrypt, pii_hash, pii_hash_many
from core.i18n import stored_phrase
from staff.models import Language

# Optional account fields a snapshot may leave out, keeping what is stored; sent blank, a text field is cleared.
_KEPT_UNLESS_SENT = ("product", "plan_interest_rate", "repayment_reference")


def _snapshot_refusal(snapshot: AccountSnapshot, now: dt.datetime, today: dict[str, dt.date],
                      default_zone: str) -> ItemOutcome | None:
    zone = snapshot.customer.timezone or default_zone
    if zone not in today:
        today[zone] = local_date(now, zone)
    if snapshot.overdue_since > today[zone]:
        return reject("overdue_since", "in_future", "overdue_since cannot be in the future.")
    if snapshot.as_of > now + CLOCK_SKEW:
        return reject("as_of", "in_future", "as_of cannot be in the future.")
    for index, contact in enumerate(snapshot.contacts or []):
        if not contact.phone and not contact.address:
            return reject(f"contacts[{index}].phone", "phone_or_address_required",
                          "A contact point needs a phone number or an address.")
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
    default_zone = settings.COLLECTIONS_DEFAULT_TIMEZONE
    today: dict[str, dt.date] = {}  # now's date in each cardholder zone of the batch
    for index, snapshot in enumerate(snapshots):
        refusal = _snapshot_refusal(snapshot, now, today, default_zone)
        if refusal is None and snapshot.account_number in accepted:
            refusal = reject("account_number", "duplicate_item", "This account appears earlier in the batch.")
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

    default_zone = settings.COLLECTIONS_DEFAULT_TIMEZONE
    keys = sorted(latest_for_customer)
    stored_customers = _stored_customers(keys)
    # New customers and accounts are inserted (and so locked until commit) in key order; the accounts
    # that existed are then locked in the same order. Only customers not stored yet are encrypted.
    missing = [key for key in keys if key not in stored_customers]
    customer_ids = dict(bulk_insert(
        model=Customer, conflict=["external_id"], returning=["external_id", "id"],
        rows=_new_customers([latest_for_customer[key].customer for key in missing], now, default_zone)))
    # A concurrent batch may have inserted some of them meanwhile.
    stored_customers.update(_stored_customers([key for key in missing if key not in customer_ids]))
    customer_ids.update((key, row["id"]) for key, row in stored_customers.items())
    new_accounts = dict(bulk_insert(
        model=Account, conflict=["account_number"], returning=["account_number", "id"],
        rows=[_new_account(snapshots[indexes[number]], customer_ids, now) for number in numbers]))
    accounts = {row["account_number"]: row for row in Account.objects.select_for_update()
                .filter(account_number__any=[number for number in numbers if number not in new_accounts])
                .order_by("account_number")
                .values("id", "account_number", "currency", "snapshot_as_of", "customer_id", *_KEPT_UNLESS_SENT)}
    # Plain rows rather than model instances: a daily snapshot reads a thousand open cases to compare amounts.
    open_cases = {row["account_id"]: row for row in Case.objects.select_for_update()
                  .filter(account_id__any=[row["id"] for row in accounts.values()]).exclude(stage=Stage.CLOSED)
                  .order_by("account_id").values("id", "account_id", "overdue_since", *AMOUNT_FIELDS)} \
        if accounts else {}

    fresh: list[tuple[AccountSnapshot, int]] = []
    account_rows = []
    for number in numbers:
        index, snapshot = indexes[number], snapshots[indexes[number]]
        if number in new_accounts:
            fresh.append((snapshot, new_accounts[number]))
            continue
        account = accounts[number]
        case = open_cases.get(account["id"])
        if account["currency"] != snapshot.currency:
            outcomes[index] = reject("currency", "currency_mismatch",
                                      f"The account is in {account['currency']}, not {snapshot.currency}.")
        elif account["snapshot_as_of"] is not None and snapshot.as_of < account["snapshot_as_of"]:
            outcomes[index] = ItemOutcome(Result.STALE, case["id"] if case else None)
        elif account["snapshot_as_of"] == snapshot.as_of:
            outcomes[index] = ItemOutcome(Result.UNCHANGED, case["id"] if case else None)
        else:
            fresh.append((snapshot, account["id"]))
            account_rows.append({"id": account["id"], "snapshot_as_of": snapshot.as_of,
                                 "customer_id": customer_ids[snapshot.customer.external_id],
                                 **{name: getattr(snapshot, name) if getattr(snapshot, name) is not None
                                    else account[name] for name in _KEPT_UNLESS_SENT}})
    if not fresh:
        return
    customer_rows = _customer_updates([snapshot.customer for snapshot, _account_id in fresh
                                       if snapshot.customer.external_id in stored_customers
                                       and latest_for_customer[snapshot.customer.external_id] is snapshot],
                                      stored_customers, now)

    paid_after = _payments_after_snapshots([(snapshot, account_id) for snapshot, account_id in fresh
                                            if snapshot.account_number not in new_accounts])
    case_rows: list[dict] = []
    to_open: list[CaseOpening] = []
    to_cure: list[int] = []
    for snapshot, account_id in fresh:
        index = indexes[snapshot.account_number]
        amounts = snapshot.amounts()
        if paid_after.get(account_id):
            amounts, _over = payment_allocate(amounts=amounts, paid=paid_after[account_id])
        nothing_overdue = sum(amounts.values()) == 0
        case = open_cases.get(account_id)
        if case is None:
            if nothing_overdue:
                outcomes[index] = ItemOutcome(Result.UNCHANGED)
            else:
                to_open.append(CaseOpening(account_id=account_id, account_number=snapshot.account_number,
                                           currency=snapshot.currency, overdue_since=snapshot.overdue_since,
                                           amounts=amounts))
            continue
        if any(case[name] != value for name, value in amounts.items()) \
                or case["overdue_since"] != snapshot.overdue_since:
            case_rows.append({"id": case["id"], **amounts, "overdue_since": snapshot.overdue_since, "updated_at": now})
            outcomes[index] = ItemOutcome(Result.UPDATED, case["id"])
        else:
            outcomes[index] = ItemOutcome(Result.UNCHANGED, case["id"])
        if nothing_overdue:
            to_cure.append(case["id"])

    stated = {key: (snapshot.preferences, snapshot.as_of) for key, snapshot in latest_for_customer.items()
              if snapshot.preferences and any(snapshot is fresh_snapshot for fresh_snapshot, _id in fresh)}
    if stated:
        preferences_from_core(customer_ids=customer_ids, snapshots=stated, actor=actor)
    contact_points_replace(now=now, lists={
        customer_ids[snapshot.customer.external_id]: snapshot.contacts for snapshot, _account_id in fresh
        if snapshot.contacts is not None and latest_for_customer[snapshot.customer.external_id] is snapshot})
    for fields, rows in sorted(customer_rows.items()):
        bulk_update_rows(model=Customer, rows=sorted(rows, key=lambda row: row["id"]), fields=[*fields, "updated_at"])
    bulk_update_rows(model=Account, rows=account_rows, fields=["snapshot_as_of", "customer_id", *_KEPT_UNLESS_SENT])
    bulk_update_rows(model=Case, rows=case_rows, fields=[*AMOUNT_FIELDS, "overdue_since", "updated_at"])
    # Opening writes the most rows, so it goes first: event writers queue from the first event to commit.
    opened = cases_open_bulk(openings=to_open, actor=actor, at=now,
                             reason=stored_phrase("The core system reported the account delinquent."))
    for opening, case_id in zip(to_open, opened, strict=True):
        outcomes[indexes[opening.account_number]] = ItemOutcome(Result.CREATED, case_id)
    if to_cure:
        cured = list(Case.objects.select_related("account").filter(pk__any=to_cure).order_by("pk"))
        for case in cases_transition_bulk(cases=cured, to=Stage.CLOSED, outcome=Outcome.CURED, actor=actor, at=now,
                                          reason=stored_phrase("The core system reports nothing overdue.")):
            outcomes[indexes[case.account.account_number]] = ItemOutcome(Result.CURED, case.pk)


def _new_account(snapshot: AccountSnapshot, customer_ids: dict[str, int], now) -> dict:
    return {"account_number": snapshot.account_number, "customer_id": customer_ids[snapshot.customer.external_id],
            "product": snapshot.product or "", "currency": snapshot.currency, "snapshot_as_of": snapshot.as_of,
            "plan_interest_rate": snapshot.plan_interest_rate,
            "repayment_reference": snapshot.repayment_reference or "", "created_at": now}


def customer_lookup_hashes(values: dict) -> dict:
    return {"national_id_hash": pii_hash(values["national_id"]), "phone_hash": pii_hash(values["phone"])}


def _new_customers(customers: list[CustomerData], now, default_zone: str) -> list[dict]:
    national_id_hashes = pii_hash_many([data.national_id for data in customers])
    phone_hashes = pii_hash_many([data.phone for data in customers])
    language = Language.ZH_HANS.value
    return [{"external_id": data.external_id, "name": data.name, "national_id": data.national_id, "phone": data.phone,
             "national_id_hash": national_id_hash, "phone_hash": phone_hash, "other_phones": [],
             "email": data.email or "", "address": data.address or "", "region": data.region or "",
             "timezone": data.timezone or default_zone, "language": language, "created_at": now, "updated_at": now}
            for data, national_id_hash, phone_hash in zip(customers, national_id_hashes, phone_hashes, strict=True)]


def _stored_customers(keys: list[str]) -> dict[str, dict]:
    """The stored customers by external id, with lookup hashes and still-encrypted email and address."""
    if not keys:
        return {}
    return {row["external_id"]: row for row in Customer.objects.filter(external_id__any=keys).values(
        "id", "external_id", "name", "national_id_hash", "phone_hash", "region", "timezone",
        email_token=Cast("email", TextField()), address_token=Cast("address", TextField()))}


def _customer_updates(customers: list[CustomerData], stored: dict[str, dict], now) -> dict[tuple, list[dict]]:
    """The changes snapshots bring to stored customers, as update rows grouped by the fields they change.

    An optional field the snapshot leaves out keeps its stored value. A national id or phone whose lookup
    hash is unchanged is the same value (up to spaces and letter case) and is not encrypted again; email
    and address are decrypted only when the snapshot sends them.
    """
    national_id_hashes = pii_hash_many([data.national_id for data in customers])
    phone_hashes = pii_hash_many([data.phone for data in customers])
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for data, national_id_hash, phone_hash in zip(customers, national_id_hashes, phone_hashes, strict=True):
        row = stored[data.external_id]
        changes = {name: getattr(data, name) for name in ("name", "region", "timezone")
                   if getattr(data, name) is not None and getattr(data, name) != row[name]}
        if national_id_hash != row["national_id_hash"]:
            changes.update(national_id=data.national_id, national_id_hash=national_id_hash)
        if phone_hash != row["phone_hash"]:
            changes.update(phone=data.phone, phone_hash=phone_hash)
        for name in ("email", "address"):
            value = getattr(data, name)
            if value is not None and value != pii_decrypt(row[f"{name}_token"]):
                changes[name] = value
        if changes:
            groups[tuple(sorted(changes))].append({"id": row["id"], **changes, "updated_at": now})
    return groups


def _payments_after_snapshots(fresh: list[tuple[AccountSnapshot, int]]) -> dict[int, Decimal]:
    """Per account, what was paid after the snapshot's `as_of` (and so is not reflected in it)."""
    as_of = {account_id: snapshot.as_of for snapshot, account_id in fresh}
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    if not as_of:
        return paid
    rows = Payment.objects.counted().filter(account_id__any=list(as_of), paid_at__gt=min(as_of.values())).values_list(
        "account_id", "amount", "paid_at")
    for account_id, amount, paid_at in rows:
        if paid_at > as_of[account_id]:
            paid[account_id] += amount
    return paid
