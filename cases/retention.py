"""Retention: a cardholder's records are kept RETENTION_YEARS after their last case closes, then anonymised.

A cardholder is past retention when every one of their cases closed more than RETENTION_YEARS ago. An open
case, or an active legal hold on any of their cases, keeps everything. Anonymisation runs every scrub
registered with `core.anonymise` (names, numbers, addresses, free text, uploaded files, event payloads),
one cardholder per transaction, so a failure never leaves a cardholder half anonymised; the audit trail
holds only masked values and is left as it is. Each anonymised case gets a `cardholder.anonymised` event
listing the call recordings the telephony system may now destroy.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from cases.lifecycle import HoldKind, Stage
from cases.models import Case, CaseHold, Customer
from core.anonymise import ANONYMISED, Cardholder, Scrub, anonymise_apply, anonymise_register, placeholder
from events.models import EventType
from events.services import event_emit

logger = logging.getLogger(__name__)


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """The same moment `years` earlier; 29 February becomes 28 February."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def retention_cutoff(*, now: dt.datetime | None = None) -> dt.datetime:
    """Cases closed before this moment are past retention."""
    return years_before(now or timezone.now(), settings.RETENTION_YEARS)


def past_retention(*, now: dt.datetime | None = None):
    """Cardholders not yet anonymised, with at least one case, all closed before the cutoff, none under a
    legal hold. One query; the database does the work, whatever the portfolio's size."""
    cutoff = retention_cutoff(now=now)
    cases = Case.objects.filter(account__customer=OuterRef("pk"))
    kept = cases.exclude(stage=Stage.CLOSED, closed_at__lt=cutoff)
    held = CaseHold.objects.filter(case__account__customer=OuterRef("pk"), kind=HoldKind.LEGAL_HOLD,
                                   released_at__isnull=True)
    # A cardholder the core system wrote again after their anonymisation (a new card, a later snapshot)
    # is due again once that is past retention too.
    not_done = Q(anonymised_at__isnull=True) | Q(updated_at__gt=F("anonymised_at"))
    return Customer.objects.filter(not_done).filter(Exists(cases)).exclude(Exists(kept)).exclude(Exists(held))


@dataclass
class RetentionRun:
    anonymised: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def anonymise_past_retention(*, now: dt.datetime | None = None, chunk_size: int | None = None,
                             limit: int | None = None) -> RetentionRun:
    """Anonymise every cardholder past retention, a chunk of ids at a time. Safe to run twice or in
    parallel: each cardholder is locked, checked again and skipped once anonymised."""
    now = now or timezone.now()
    chunk_size = chunk_size or settings.RETENTION_CHUNK_SIZE
    run, after = RetentionRun(), 0
    while limit is None or len(run.anonymised) < limit:
        due = past_retention(now=now).filter(pk__gt=after).order_by("pk")
        ids = list(due.values_list("pk", flat=True)[:chunk_size])
        if not ids:
            break
        for customer_id in ids:
            if limit is not None and len(run.anonymised) >= limit:
                break
            try:
                rows = cardholder_anonymise(customer_id=customer_id, now=now)
            except SoftTimeLimitExceeded:
                # The task's time is up: what is committed stays, and the next run goes on from there.
                raise
            except Exception:  # one cardholder's failure must not stop the others; it is retried next run
                logger.exception("retention: cardholder %s not anonymised", customer_id)
                run.failed.append(customer_id)
                continue
            if rows is not None:
                run.anonymised.append(customer_id)
                for model, count in rows.items():
                    run.rows[model] = run.rows.get(model, 0) + count
        after = ids[-1]
    return run


def cardholder_anonymise(*, customer_id: int, now: dt.datetime | None = None) -> dict[str, int] | None:
    """Anonymise one cardholder in one transaction; None when they are not (or no longer) past retention."""
    now = now or timezone.now()
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
        # Checked again under the lock: a case may have reopened, or a legal hold arrived, since the selection.
        if customer is None or not past_retention(now=now).filter(pk=customer_id).exists():
            return None
        cases = list(Case.objects.filter(account__customer_id=customer_id).select_related("account").order_by("pk"))
        done = anonymise_apply(Cardholder(customer_id=customer_id, case_ids=tuple(case.pk for case in cases)))
        # After the scrubs, and at least their updated_at, so the cardholder is not due again until written again.
        Customer.objects.filter(pk=customer_id).update(anonymised_at=Greatest(Value(now), F("updated_at")))
        for case in cases:
            # The core system keeps its own copy of the cardholder; this tells it ours is gone, and the
            # telephony system which recordings it may now destroy.
            event_emit(type=EventType.CARDHOLDER_ANONYMISED, case=case, at=now,
                       payload={"customer": customer.external_id, **done.notices.get(case.pk, {})})
    return done.rows



def register() -> None:
    """What the cases app holds of a cardholder. The core system's id (`Customer.external_id`) and the card
    number stay: the core system needs them to match its own records, and they say nothing without it."""
    by_case = "case__account__customer"
    evidence = {"evidence_reference": placeholder("evidence_file", "evidence_reference")}
    for scrub in (
        Scrub("cases.Customer", "pk", fields=("national_id", "national_id_hash", "phone", "phone_hash", "email",
                                              "address"),
              values={"name": ANONYMISED, "other_phones": []}),
        Scrub("cases.ContactPoint", "customer", fields=("name", "phone", "phone_hash", "address", "source_note",
                                                        "wrong_reason")),
        Scrub("cases.StageHistory", by_case, fields=("reason",)),
        Scrub("cases.CaseNote", by_case, fields=("body",)),
        Scrub("cases.Referral", by_case, fields=("reason", "decision")),
        # A hold that rested on evidence still says it did; the document itself is deleted.
        Scrub("cases.CaseHold", by_case, fields=("reason", "release_reason"), files=("evidence_file",),
              values=evidence),
        Scrub("cases.HoldRequest", by_case, fields=("reason", "decision_note"), files=("evidence_file",),
              values=evidence),
    ):
        anonymise_register(scrub)
