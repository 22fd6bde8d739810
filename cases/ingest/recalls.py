"""Recalls: the core system withdraws accounts from collections (sold, fraud, deceased, …), in sets.

A recall closes the account's open case as `recalled`, through the transition service (a history row, the
stage and close events, and every pending contact and open visit cancelled in the same transaction), and
emits case.recalled with the reason. It is idempotent: an account without an open case answers
`unchanged`. A recall stated before the open case was opened is about an earlier case and answers `stale`.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from cases.ingest.common import CLOCK_SKEW, ItemOutcome, Result, reject
from cases.lifecycle import Outcome, Stage
from cases.models import Account, Case
from cases.services import cases_transition_bulk
from core.actors import CORE_SYSTEM
from core.i18n import stored_phrase
from events.models import EventType
from events.services import events_emit_bulk


class RecallReason:
    SOLD = "sold"
    FRAUD = "fraud"
    DECEASED = "deceased"
    BANKRUPTCY = "bankruptcy"
    PAID_ELSEWHERE = "paid_elsewhere"
    ERROR = "error"


# The reason stored on the history row, in English, shown in the reader's language.
RECALL_PHRASES = {
    RecallReason.SOLD: stored_phrase("Recalled by the core system: the debt was sold."),
    RecallReason.FRAUD: stored_phrase("Recalled by the core system: the account is a fraud case."),
    RecallReason.DECEASED: stored_phrase("Recalled by the core system: the cardholder has died."),
    RecallReason.BANKRUPTCY: stored_phrase("Recalled by the core system: the cardholder is bankrupt."),
    RecallReason.PAID_ELSEWHERE: stored_phrase("Recalled by the core system: the debt was paid elsewhere."),
    RecallReason.ERROR: stored_phrase("Recalled by the core system: the account was sent in error."),
}
RECALL_REASONS = tuple(RECALL_PHRASES)


@dataclass
class Recall:
    account_number: str
    reason: str
    as_of: dt.datetime


def accounts_recall(*, recalls: list[Recall], actor=CORE_SYSTEM, now: dt.datetime | None = None) -> list[ItemOutcome]:
    """Close the open case of each recalled account as recalled; one outcome per item, in order.

    Results: recalled (the case closed now), unchanged (no open case: recalled before, or closed
    otherwise), stale (the open case opened after the recall's as_of), rejected (unknown account, a
    moment in the future, an unknown reason). All in one transaction: an error half way writes nothing.
    """
    now = now or timezone.now()
    outcomes: list[ItemOutcome | None] = [None] * len(recalls)
    valid = []
    for index, recall in enumerate(recalls):
        if recall.reason not in RECALL_PHRASES:
            outcomes[index] = reject("reason", "invalid_choice", f"{recall.reason!r} is not a recall reason.")
        elif recall.as_of > now + CLOCK_SKEW:
            outcomes[index] = reject("as_of", "in_future", "as_of cannot be in the future.")
        else:
            valid.append(index)
    if not valid:
        return outcomes
    with transaction.atomic():
        numbers = sorted({recalls[i].account_number for i in valid})
        accounts = dict(Account.objects.select_for_update().filter(account_number__any=numbers)
                        .order_by("account_number").values_list("account_number", "id"))
        cases = {case.account_id: case for case in Case.objects.select_for_update().select_related("account")
                 .filter(account_id__any=list(accounts.values())).exclude(stage=Stage.CLOSED).order_by("pk")}
        last = dict(Case.objects.filter(account_id__any=list(accounts.values())).order_by("account_id", "-opened_at",
                                                                                           "-id")
                    .distinct("account_id").values_list("account_id", "id"))
        closing: dict[str, list[Case]] = {}
        taken: dict[int, str] = {}
        for index in valid:
            recall = recalls[index]
            account_id = accounts.get(recall.account_number)
            case = cases.get(account_id)
            if account_id is None:
                outcomes[index] = reject("account_number", "unknown_account", "No account has this number.")
            elif case is None or case.pk in taken:
                outcomes[index] = ItemOutcome(Result.UNCHANGED, last.get(account_id))
            elif case.opened_at > recall.as_of:
                outcomes[index] = ItemOutcome(Result.STALE, case.pk)
            else:
                taken[case.pk] = recall.as_of.isoformat()
                closing.setdefault(recall.reason, []).append(case)
                outcomes[index] = ItemOutcome(Result.RECALLED, case.pk)
        events = []
        for reason, group in sorted(closing.items()):
            moved = cases_transition_bulk(cases=group, to=Stage.CLOSED, outcome=Outcome.RECALLED, actor=actor,
                                          reason=RECALL_PHRASES[reason], at=now)
            events.extend({"type": EventType.CASE_RECALLED, "case_id": case.pk,
                           "account_number": case.account.account_number, "occurred_at": now,
                           "payload": {"reason": reason, "as_of": taken[case.pk]}}
                          for case in moved)
        events_emit_bulk(events=events)
    return outcomes

