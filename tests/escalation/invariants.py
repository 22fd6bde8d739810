"""The governor's invariants, checked over everything in the database after a run of passes and events."""

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from cases.lifecycle import Stage, transition_allowed
from cases.models import Case, CaseHold, StageHistory
from contacts.governor import TIMED_CHANNELS
from contacts.models import Channel, ContactAttempt, ContactStatus, ScheduledContact


def _kept_to_the_rules():
    """Outbound contacts that were neither breaches nor made under a supervisor's exception."""
    return ContactAttempt.objects.filter(direction="outbound", breached_rules=[], exception__isnull=True)


def calls_in_any_seven_days_at_most(limit=7):
    """Per cardholder, across all their cases."""
    by_cardholder = {}
    for customer_id, at in (_kept_to_the_rules().filter(channel=Channel.CALL, third_party=False)
                            .order_by("customer_id", "occurred_at").values_list("customer_id", "occurred_at")):
        by_cardholder.setdefault(customer_id, []).append(at)
    for customer_id, times in by_cardholder.items():
        for i in range(len(times)):
            window = [t for t in times[i:] if t < times[i] + dt.timedelta(days=7)]
            assert len(window) <= limit, f"cardholder {customer_id}: {len(window)} calls from {times[i]}"


def no_contact_outside_hours():
    live = (ScheduledContact.objects.filter(channel__in=TIMED_CHANNELS,
                                            status__in=(ContactStatus.SCHEDULED, ContactStatus.SENT))
            .values_list("id", "due_at", "case__account__customer__timezone"))
    for pk, due_at, zone in live:
        local = due_at.astimezone(ZoneInfo(zone)).time()
        assert dt.time(8, 0) <= local < dt.time(21, 0), f"contact {pk} due {local} in {zone}"
    for pk, at, zone in (_kept_to_the_rules().filter(channel__in=TIMED_CHANNELS)
                         .values_list("id", "occurred_at", "case__account__customer__timezone")):
        local = at.astimezone(ZoneInfo(zone)).time()
        assert dt.time(8, 0) <= local < dt.time(21, 0), f"attempt {pk} at {local} in {zone}"


def no_duplicate_contact():
    keys = Counter(ScheduledContact.objects.values_list("idempotency_key", flat=True))
    assert not [k for k, n in keys.items() if n > 1]
    slots = Counter(ScheduledContact.objects.filter(origin="policy").values_list("case_id", "rule", "created_at"))
    assert not [s for s, n in slots.items() if n > 1]


def every_case_in_a_legal_state():
    for case in Case.objects.all():
        assert case.stage in Stage.values
        assert (case.stage == Stage.CLOSED) == bool(case.outcome)
        history = list(StageHistory.objects.filter(case=case).order_by("id"))
        for before, row in zip([None, *history], history, strict=False):
            if before is not None:
                assert row.from_stage == before.to_stage, row
            if row.from_stage:
                assert transition_allowed(row.from_stage, row.to_stage, row.outcome or None), row
        if history:
            assert history[-1].to_stage == case.stage


def nothing_pending_for_closed_or_held_cases():
    assert not ScheduledContact.objects.filter(
        origin="policy", status=ContactStatus.SCHEDULED, case__stage=Stage.CLOSED).exists()
    held = CaseHold.objects.filter(released_at__isnull=True).values("case_id")
    assert not ScheduledContact.objects.filter(
        origin="policy", status=ContactStatus.SCHEDULED, case_id__in=held).exists()


def all_governor_invariants():
    calls_in_any_seven_days_at_most()
    no_contact_outside_hours()
    no_duplicate_contact()
