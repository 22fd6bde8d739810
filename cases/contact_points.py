"""A cardholder's contact points: what staff add and mark wrong, and what a number is to a cardholder.

The core system's list arrives with each account snapshot (cases.ingest.snapshots). Staff add points with
where they came from, and mark a number wrong; a number reported wrong is never offered or dialled again,
whether it is a point's or the cardholder's own number on file. A wrong primary number is recorded as a
point of kind mobile mirroring it, marked wrong, so that one question ("is this number wrong?") answers
for every sender: `number_standing`.
"""

import datetime as dt
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.models import (
    OWN_POINT_KINDS,
    THIRD_PARTY_POINT_KINDS,
    ContactPoint,
    ContactPointKind,
    ContactPointSource,
    Customer,
)
from core.actors import actor_fields
from core.crypto import pii_hash
from core.errors import DomainError, Forbidden, reason_required
from core.i18n import stored_phrase
from core.masking import mask
from staff.permissions import Capability, can


class Standing:
    """What a dialled number is to a cardholder (the governor's third-party and unknown-party rules)."""

    OWN = "own"                  # the cardholder's own number: on file, or a point of kind mobile/home/work
    GUARANTOR = "guarantor"      # liable under the guarantee: not a third party for it
    THIRD_PARTY = "third_party"  # an emergency contact or employer: only to locate, after failed attempts
    WRONG = "wrong"              # reported wrong: never dialled again
    UNKNOWN = "unknown"          # on file nowhere: someone unrelated


# Staff say where a point came from; the core system's points arrive only with a snapshot.
STAFF_SOURCES = (ContactPointSource.CARDHOLDER, ContactPointSource.STAFF)
PRIMARY_NUMBER_NOTE = stored_phrase("The cardholder's number on file")
_PHONE = re.compile(r"\+?[0-9][0-9 \-()]{4,30}")


def _other_phone_hashes(customer: Customer) -> set[str]:
    return {pii_hash(number) for number in customer.other_phones or [] if number}


def standing_of(*, number_hash: str, own_hashes: set[str], points: list[dict], at: dt.datetime) -> str:
    """What a number (by its hash) is to a cardholder at `at`, from their own numbers' hashes and the points
    with that hash (dicts of kind, retired_at, wrong_at). Pure: `number_standing` and the telephony batch
    both decide through it.

    Wrong wins: a number reported wrong (on any point of the cardholder, current or replaced since)
    before `at` is wrong whoever it was thought to reach. A point replaced by the core system is no longer
    on file, so its number is unknown unless it is on file otherwise.
    """
    if not number_hash:
        return Standing.UNKNOWN
    if any(p["wrong_at"] is not None and p["wrong_at"] <= at for p in points):
        return Standing.WRONG
    if number_hash in own_hashes:
        return Standing.OWN
    kinds = {p["kind"] for p in points if p["retired_at"] is None or p["retired_at"] > at}
    if kinds & OWN_POINT_KINDS:
        return Standing.OWN
    if ContactPointKind.GUARANTOR in kinds:
        return Standing.GUARANTOR
    if kinds & THIRD_PARTY_POINT_KINDS:
        return Standing.THIRD_PARTY
    return Standing.UNKNOWN


def own_number_hashes(customer: Customer) -> set[str]:
    """The hashes of the numbers the core system keeps on the cardholder's own record."""
    return {customer.phone_hash, *_other_phone_hashes(customer)} - {""}


def number_standing(*, customer: Customer, number: str, at: dt.datetime | None = None) -> str:
    """What `number` is to `customer` at `at` (default now): own, guarantor, third party, wrong or unknown."""
    number_hash = pii_hash(number)
    if not number_hash:
        return Standing.UNKNOWN
    points = list(ContactPoint.objects.filter(customer_id=customer.pk, phone_hash=number_hash)
                  .values("kind", "retired_at", "wrong_at"))
    return standing_of(number_hash=number_hash, own_hashes=own_number_hashes(customer), points=points,
                       at=at or timezone.now())


def wrong_number_hashes(*, customer: Customer) -> set[str]:
    """The hashes of every number reported wrong for this cardholder: none is offered or dialled again."""
    return set(ContactPoint.objects.filter(customer_id=customer.pk, wrong_at__isnull=False)
               .exclude(phone_hash="").values_list("phone_hash", flat=True))


def primary_number_wrong(*, customer: Customer) -> bool:
    return bool(customer.phone_hash) and customer.phone_hash in wrong_number_hashes(customer=customer)


def _check_may_work(actor) -> None:
    if not can(actor, Capability.WORK_CASES):
        raise Forbidden(_("Only staff who work cases may change contact points."), code="contact_points_forbidden")


@transaction.atomic
def contact_point_add(
    *, customer: Customer, actor, kind: str, source: str, source_note: str, phone: str = "", name: str = "",
    relationship: str = "", address: str = "", case_id: int | None = None, ip_address: str | None = None,
) -> ContactPoint:
    """Add a point staff learned of, with where it came from (`source_note` is required). Audited, masked.

    A number already on file for the cardholder is not added twice, and a number reported wrong is
    refused: it is not dialled again. The escalation trigger marks the cardholder's open cases.
    """
    _check_may_work(actor)
    if kind not in ContactPointKind.values:
        raise DomainError(_("Choose the kind of contact point."), code="kind_invalid", field="kind")
    if source not in STAFF_SOURCES:
        raise DomainError(_("Say where the point came from."), code="source_invalid", field="source")
    source_note = reason_required(source_note, field="source_note")
    phone, address = phone.strip(), address.strip()
    if not phone and not address:
        raise DomainError(_("Give a phone number or an address."), code="phone_or_address_required", field="phone")
    if phone and not _PHONE.fullmatch(phone):
        raise DomainError(_("Enter a phone number: digits, with an optional + and spaces."), code="phone_invalid",
                          field="phone")
    if phone:
        # Locked so that two staff adding the same number at once add it once.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        customer.refresh_from_db(fields=["phone", "phone_hash", "other_phones"])
        standing = number_standing(customer=customer, number=phone)
        if standing == Standing.WRONG:
            raise DomainError(_("This number was reported wrong; it is not dialled again."), code="number_wrong",
                              field="phone")
        if standing != Standing.UNKNOWN:
            raise DomainError(_("This number is already on file for the cardholder."), code="number_on_file",
                              field="phone")
    point = ContactPoint.objects.create(
        customer=customer, kind=kind, name=name.strip(), relationship=relationship.strip(), phone=phone,
        address=address, source=source, source_note=source_note, added_by_label=actor.get_username())
    audit_log(actor=actor, action="contact_point.added", obj=point, case_id=case_id, reason=source_note,
              ip_address=ip_address, changes={"kind": kind, "source": source, "phone": mask(phone),
                                              "relationship": point.relationship})
    return point


def _mark(point: ContactPoint, *, actor, reason: str, at: dt.datetime, case_id, ip_address) -> None:
    point.wrong_at, point.wrong_by_label, point.wrong_reason = at, actor_fields(actor)["actor_label"], reason
    point.save(update_fields=["wrong_at", "wrong_by_label", "wrong_reason"])
    audit_log(actor=actor, action="contact_point.marked_wrong", obj=point, case_id=case_id, reason=reason,
              ip_address=ip_address, changes={"kind": point.kind, "phone": mask(point.phone)})


@transaction.atomic
def contact_point_mark_wrong(*, point: ContactPoint, actor, reason: str, case_id: int | None = None,
                             ip_address: str | None = None, at: dt.datetime | None = None) -> ContactPoint:
    """Mark a point wrong: it is offered and dialled no more. Marking it again changes nothing. Audited."""
    _check_may_work(actor)
    reason = reason_required(reason)
    current = ContactPoint.objects.select_for_update().get(pk=point.pk)
    if current.wrong_at is None:
        _mark(current, actor=actor, reason=reason, at=at or timezone.now(), case_id=case_id, ip_address=ip_address)
    return current


@transaction.atomic
def number_mark_wrong(*, customer: Customer, number: str, actor, reason: str, case_id: int | None = None,
                      ip_address: str | None = None, at: dt.datetime | None = None) -> list[ContactPoint]:
    """Mark a number wrong for this cardholder, whoever it was thought to reach: every current point with
    it is marked; a number on no point (the cardholder's own number on file) gets a point of kind mobile
    mirroring it, marked wrong, so the panel, the senders and the governor stop using it. Audited."""
    _check_may_work(actor)
    return number_reported_wrong(customer=customer, number=number, actor=actor, reason=reason_required(reason),
                                 case_id=case_id, ip_address=ip_address, at=at)


@transaction.atomic
def number_reported_wrong(*, customer: Customer, number: str, actor, reason: str, case_id: int | None = None,
                          ip_address: str | None = None, at: dt.datetime | None = None) -> list[ContactPoint]:
    """`number_mark_wrong` for a contact already recorded with the result "wrong number" (by staff or by the
    dialer, whoever may record it): the one who reported it is the attempt's actor."""
    number_hash = pii_hash(number)
    if not number_hash:
        raise DomainError(_("No number to mark wrong."), code="number_required", field="number")
    at = at or timezone.now()
    points = list(ContactPoint.objects.select_for_update().filter(
        customer_id=customer.pk, phone_hash=number_hash, retired_at__isnull=True).order_by("id"))
    if not points:
        points = [ContactPoint.objects.create(
            customer=customer, kind=ContactPointKind.MOBILE, phone=number, source=ContactPointSource.STAFF,
            source_note=PRIMARY_NUMBER_NOTE, added_by_label=actor_fields(actor)["actor_label"], added_at=at)]
    for point in points:
        if point.wrong_at is None:
            _mark(point, actor=actor, reason=reason, at=at, case_id=case_id, ip_address=ip_address)
    return points
