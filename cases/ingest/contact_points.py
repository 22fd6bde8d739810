"""The core system's contact points, replaced in sets by the account snapshots that carry them.

A snapshot's `contacts` list replaces the core system's list for its cardholder. Points are never
deleted (attempts name them): a core point the new list leaves out is retired. A listed number already on
file for the cardholder (a current point, a retired one, or one staff added) keeps its row, so a wrong
mark on it survives and it is not duplicated; a retired one comes back. Points staff added stay as they
are. An address without a number is matched by its kind and text. Nothing is written when the list is
unchanged, so a daily snapshot does not mark the cardholder's cases for the pass again.
"""

import datetime as dt

from django.db.models import TextField
from django.db.models.functions import Cast

from cases.ingest.common import ContactData
from cases.models import ContactPoint, ContactPointSource, Customer
from core.actors import CORE_SYSTEM
from core.bulk import bulk_insert, bulk_update_rows
from core.crypto import pii_decrypt, pii_hash_many


def _address_key(kind: str, address: str) -> tuple:
    return ("address", kind, " ".join(address.split()).casefold())


def contact_points_replace(*, lists: dict[int, list[ContactData]], now: dt.datetime) -> None:
    """Replace the core system's points of each cardholder in `lists` (customer id → the new list)."""
    if not lists:
        return
    customer_ids = sorted(lists)
    # Locked in id order, so two batches naming the same cardholder apply their lists one after the other.
    list(Customer.objects.select_for_update().filter(pk__any=customer_ids).order_by("pk").values_list("pk"))
    stored: dict[int, dict[tuple, dict]] = {pk: {} for pk in customer_ids}
    core_current: dict[int, list[int]] = {pk: [] for pk in customer_ids}
    for row in (ContactPoint.objects.filter(customer_id__any=customer_ids).order_by("customer_id", "id")
                .values("id", "customer_id", "kind", "relationship", "phone_hash", "source", "retired_at",
                        address_token=Cast("address", TextField()))):
        if row["phone_hash"]:
            key = ("phone", row["phone_hash"])
        elif row["source"] == ContactPointSource.CORE:  # an address alone: decrypted only here
            key = _address_key(row["kind"], pii_decrypt(row["address_token"]) or "")
        else:
            key = None
        # A current row wins over a retired one with the same number.
        if key is not None and (key not in stored[row["customer_id"]] or row["retired_at"] is None):
            stored[row["customer_id"]][key] = row
        if row["source"] == ContactPointSource.CORE and row["retired_at"] is None:
            core_current[row["customer_id"]].append(row["id"])

    items = [(pk, item) for pk in customer_ids for item in lists[pk]]
    hashes = pii_hash_many([item.phone for _pk, item in items])
    inserts, restores, kept = [], [], set()
    seen: set[tuple] = set()
    for (pk, item), phone_hash in zip(items, hashes, strict=True):
        key = ("phone", phone_hash) if phone_hash else _address_key(item.kind, item.address)
        if (pk, key) in seen:
            continue  # the same number twice in one list
        seen.add((pk, key))
        row = stored[pk].get(key)
        if row is None:
            inserts.append({"customer_id": pk, "kind": item.kind, "name": item.name, "relationship": item.relationship,
                            "phone": item.phone, "phone_hash": phone_hash, "address": item.address,
                            "source": ContactPointSource.CORE, "source_note": "", "added_by_label": CORE_SYSTEM,
                            "added_at": now, "wrong_by_label": "", "wrong_reason": ""})
            continue
        kept.add(row["id"])
        if row["source"] == ContactPointSource.CORE and (
                row["retired_at"] is not None or row["kind"] != item.kind or row["relationship"] != item.relationship):
            restores.append({"id": row["id"], "retired_at": None, "kind": item.kind, "relationship": item.relationship})
        elif row["retired_at"] is not None:
            restores.append({"id": row["id"], "retired_at": None, "kind": row["kind"],
                             "relationship": row["relationship"]})
    retire = [{"id": point_id, "retired_at": now} for pk in customer_ids for point_id in core_current[pk]
              if point_id not in kept]
    bulk_update_rows(model=ContactPoint, rows=retire, fields=["retired_at"])
    bulk_update_rows(model=ContactPoint, rows=restores, fields=["retired_at", "kind", "relationship"])
    bulk_insert(model=ContactPoint, rows=inserts)
