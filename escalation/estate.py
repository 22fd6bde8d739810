"""The letter to a deceased cardholder's estate: the one contact a death leaves, where the policy sets one.

A deceased hold stops every contact with the cardholder for good. The policy version in force for the case
(`estate_letter_after_days`) says whether a letter goes to the estate and how many days after the death was
recorded. It is planned once per deceased hold (its idempotency key names the hold), as a policy letter
that neither the pass nor a later hold cancels; the governor judges it at delivery with PURPOSE_ESTATE, which
lets a letter through while the deceased hold is the only one in force.
"""

import datetime as dt

from django.db.models import Exists, OuterRef
from django.utils import timezone

from cases.lifecycle import HoldKind, Stage
from cases.models import CaseHold
from contacts.governor import PURPOSE_ESTATE
from contacts.models import ESTATE_LETTER_RULE, Channel, ContactStatus, Origin, ScheduledContact
from escalation.policy import case_strategy, policies_in_force

SCHEDULED_REASON = "Letter to the estate, %(days)s days after the death was recorded."


def estate_letter_key(*, case_id: int, hold_id: int) -> str:
    return f"estate:{case_id}:{hold_id}"


def estate_letters_schedule(*, as_of: dt.datetime | None = None) -> int:
    """Plan the letter to the estate for every open case with a deceased hold in force that has none yet,
    where the policy version in force for the case sets one. Returns how many were planned.

    Safe to run twice or in parallel: the idempotency key is unique, and a second insert is skipped. Only
    holds with no letter planned are read, so a run with nothing new reads an index and stops.
    """
    as_of = as_of or timezone.now()
    policies = policies_in_force(as_of=as_of)
    if policies.champion.estate_letter_after_days is None and (
            policies.challenger is None or policies.challenger.estate_letter_after_days is None):
        return 0
    planned = ScheduledContact.objects.filter(case_id=OuterRef("case_id"), rule=ESTATE_LETTER_RULE)
    holds = (CaseHold.objects.filter(kind=HoldKind.DECEASED, released_at__isnull=True)
             .exclude(case__stage=Stage.CLOSED).filter(~Exists(planned))
             .values_list("pk", "case_id", "placed_at"))
    rows = []
    for hold_id, case_id, placed_at in holds.iterator(chunk_size=1000):
        strategy = case_strategy(case_id=case_id, challenger_percent=policies.challenger_percent)
        version = policies.version_for(strategy)
        days = version.estate_letter_after_days
        if days is None:
            continue
        rows.append(ScheduledContact(
            case_id=case_id, channel=Channel.LETTER, due_at=placed_at + dt.timedelta(days=days),
            status=ContactStatus.SCHEDULED, origin=Origin.POLICY,
            idempotency_key=estate_letter_key(case_id=case_id, hold_id=hold_id), policy_version=version,
            rule=ESTATE_LETTER_RULE, purpose=PURPOSE_ESTATE, strategy=strategy, created_at=as_of, updated_at=as_of,
            trail=[{"at": as_of.isoformat(), "status": ContactStatus.SCHEDULED,
                    "reason": SCHEDULED_REASON % {"days": days}}]))
    created = ScheduledContact.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(created)
