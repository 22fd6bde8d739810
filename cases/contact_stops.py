"""When planned contact must stop now: a promise taken, a plan agreed, a hold placed, the case closed or
placed with an outside agency.

The pass would notice at its next run, but by then the agent has called and the field agent knocked. So
the writer of the change calls `cases_contact_stop` in its own transaction, and the capabilities that plan
contact (call tasks, visit requests) register with `contact_stop_register`, from their AppConfig.ready(),
what they cancel. This module knows none of them, so the apps below it never import the apps above.

A reaction takes many cases at once (an ingest batch closes thousands) and must be set-based.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from cases.models import CaseHold


class StopCause(models.TextChoices):
    PROMISE = "promise", _("A promise to pay was taken")
    PLAN = "plan", _("A repayment plan was agreed")
    HOLD = "hold", _("The case was put on hold")
    CLOSED = "closed", _("The case was closed")
    LEGAL = "legal", _("The case went to litigation")
    PLACED = "placed", _("The case was placed with an outside agency")


# The reason written into each cancelled item's trail, in English as every stored reason is; pages show
# it through the catalogue, so each is marked for translation here.
STOP_REASONS = {
    StopCause.PROMISE: gettext_noop("Cancelled: a promise to pay was taken."),
    StopCause.PLAN: gettext_noop("Cancelled: a repayment plan was agreed."),
    StopCause.HOLD: gettext_noop("Cancelled: the case was put on hold."),
    StopCause.CLOSED: gettext_noop("Cancelled: the case was closed."),
    StopCause.LEGAL: gettext_noop("Cancelled: the case went to litigation."),
    StopCause.PLACED: gettext_noop("Cancelled: the case was placed with an outside agency."),
}


@dataclass(frozen=True)
class ContactStop:
    case_ids: tuple[int, ...]
    cause: str
    actor: object
    at: dt.datetime
    # When the case closes: its outcome and the reason the closing gave (a recall's, say), for the reactions
    # that say why they ended something (an agency's placement ends as recalled rather than closed).
    outcome: str = ""
    note: str = ""

    @property
    def reason(self) -> str:
        return STOP_REASONS[self.cause]

    @property
    def closing(self) -> bool:
        """A closed case keeps nothing planned; the other causes stop the policy's collection contact."""
        return self.cause == StopCause.CLOSED


Reaction = Callable[[ContactStop], int]
_REACTIONS: dict[str, Reaction] = {}


def contact_stop_register(name: str, reaction: Reaction) -> None:
    """Register what a capability cancels when contact stops; it returns how many items it cancelled."""
    _REACTIONS[name] = reaction


def cases_contact_stop(*, case_ids: Iterable[int], cause: str, actor, at: dt.datetime | None = None,
                       outcome: str = "", note: str = "") -> dict[str, int]:
    """Cancel what is planned for these cases, in the caller's transaction. Returns {reaction: cancelled}.

    Expects to run inside the transaction of the change that stops contact, so that both commit or
    neither does; each reaction locks the rows it cancels.
    """
    if cause not in StopCause.values:
        raise ValueError(f"Unknown cause {cause!r}.")
    ids = tuple(sorted({int(pk) for pk in case_ids}))
    if not ids:
        return {}
    stop = ContactStop(case_ids=ids, cause=cause, actor=actor, at=at or timezone.now(), outcome=outcome or "",
                       note=note or "")
    with transaction.atomic():
        return {name: reaction(stop) for name, reaction in _REACTIONS.items()}


# --- what pauses contact ------------------------------------------------------------------------------------
# The queue, the visits board and the policy's visit pickup leave alone a case whose contact is paused: an
# active hold (here), or whatever another capability registers (a promise pending, a plan agreed).

_PAUSES: dict[str, Callable[[], Q]] = {}


def contact_pause_register(name: str, condition: Callable[[], Q]) -> None:
    """Register a condition on a case (a Q over Case, `OuterRef("pk")` being the case) that pauses contact."""
    _PAUSES[name] = condition


def contact_paused(*, holds: bool = True) -> Q:
    """The condition a case meets while its contact is paused; `holds=False` leaves active holds out."""
    paused = (Q(Exists(CaseHold.objects.filter(case=OuterRef("pk"), released_at__isnull=True))) if holds
              else Q(pk__in=[]))
    for condition in _PAUSES.values():
        paused |= condition()
    return paused
