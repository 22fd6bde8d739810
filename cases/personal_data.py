"""Personal data shown on a case, masked by default; revealing one field needs a reason and is audited."""

from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.models import Case
from core.errors import DomainError
from staff.permissions import Capability, can

# field name -> (label, how to read it from a case)
REVEALABLE = {
    "national_id": (_("National id"), lambda case: case.account.customer.national_id),
    "phone": (_("Phone"), lambda case: case.account.customer.phone),
    "email": (_("Email"), lambda case: case.account.customer.email),
    "address": (_("Address"), lambda case: case.account.customer.address),
    "account_number": (_("Card number"), lambda case: case.account.account_number),
}


# What an outside agency's staff (who lack SEE_INTERNAL_RECORDS) may reveal: the numbers they call.
REVEALABLE_TO_ALL = frozenset({"phone"})


def may_reveal(*, user, field: str) -> bool:
    return field in REVEALABLE_TO_ALL or can(user, Capability.SEE_INTERNAL_RECORDS)


def case_personal_data_reveal(*, case: Case, field: str, actor, reason: str, ip_address: str | None = None) -> str:
    """Return one personal-data field in full and write an audit record of who saw it, when and why."""
    if field not in REVEALABLE or not may_reveal(user=actor, field=field):
        raise DomainError(_("This field cannot be revealed."), code="not_revealable", field="field")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DomainError(_("Say why you need to see this (at least 5 characters)."), code="reason_required",
                          field="reason")
    audit_log(actor=actor, action="personal_data.reveal", obj=case.account.customer, case_id=case.pk,
              changes={"field": field}, reason=reason, ip_address=ip_address)
    return REVEALABLE[field][1](case) or ""


def customers_rotate_encryption(*, chunk: int = 2000) -> int:
    """Re-encrypt every cardholder's personal data with the current key and refresh the lookup hashes.

    Works in id-ordered chunks, each in its own transaction, so it can run on a live system and be
    resumed; values stay readable throughout because old keys remain listed until it has finished.
    """
    from django.db import transaction

    from cases.ingest.snapshots import customer_lookup_hashes
    from cases.models import Customer
    from core.bulk import bulk_update_rows

    fields = ["national_id", "phone", "other_phones", "email", "address"]
    done, last_id = 0, 0
    while True:
        with transaction.atomic():
            rows = list(Customer.objects.select_for_update().filter(pk__gt=last_id).order_by("pk")
                        .values("id", *fields)[:chunk])
            if not rows:
                return done
            # Reading decrypted with whichever key wrote them; writing encrypts with the first key.
            bulk_update_rows(model=Customer, rows=[{**row, **customer_lookup_hashes(row)} for row in rows],
                             fields=[*fields, "national_id_hash", "phone_hash"])
        done += len(rows)
        last_id = rows[-1]["id"]
