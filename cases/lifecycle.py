"""The case lifecycle as data: stages, outcomes, holds and the transitions allowed between stages.

`cases.services.case_transition` is the only code that changes a stage; it consults these tables.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Stage(models.TextChoices):
    # In their own context: a stage's Chinese name is a collections desk's word, and never reads like a
    # field visit (上门回访), which is a channel of the contact stage.
    CONFIRM = "confirm", pgettext_lazy("case stage", "Confirm")
    PLAN = "plan", pgettext_lazy("case stage", "Plan")
    CONTACT = "contact", pgettext_lazy("case stage", "Contact")
    NEGOTIATE = "negotiate", pgettext_lazy("case stage", "Negotiate")
    FOLLOW_UP = "follow_up", pgettext_lazy("case stage", "Follow up")
    LEGAL = "legal", pgettext_lazy("case stage", "Legal")
    CLOSED = "closed", pgettext_lazy("case stage", "Closed")


# Litigation is not an outcome: it is the legal stage of an open case, which ends in one of these.
class Outcome(models.TextChoices):
    CURED = "cured", _("Cured (paid in full)")
    # Settled whichever way the money came (a plan completed, a judgment paid): the history row's reason says which.
    SETTLED = "settled", _("Settled")
    WRITTEN_OFF = "written_off", _("Written off")
    RECALLED = "recalled", _("Recalled by the core system")


class HoldKind(models.TextChoices):
    DISPUTE = "dispute", _("Dispute open")
    COMPLAINT = "complaint", _("Complaint open")
    LEGAL_HOLD = "legal_hold", _("Legal hold")
    DECEASED = "deceased", _("Deceased")
    BANKRUPTCY = "bankruptcy", _("Bankruptcy")
    DO_NOT_CONTACT = "do_not_contact", _("Do-not-contact request")
    HARDSHIP = "hardship", _("Hardship")
    BREATHING_SPACE = "breathing_space", _("Breathing space")


class HardshipCause(models.TextChoices):
    MEDICAL = "medical", _("Medical")
    UNEMPLOYMENT = "unemployment", _("Unemployment")
    DISASTER = "disaster", _("Disaster")


# Holds raised through the complaints register: staff open and resolve them there, with the
# register entry recording channel, category, SLA and resolution.
REGISTER_HOLD_KINDS = frozenset({HoldKind.DISPUTE, HoldKind.COMPLAINT})

# Holds placed only on the strength of a document (a certificate, a court notice, a debt adviser's
# reference): an upload or a reference to where the bank keeps it.
EVIDENCE_HOLD_KINDS = frozenset({HoldKind.HARDSHIP, HoldKind.BREATHING_SPACE, HoldKind.DECEASED, HoldKind.BANKRUPTCY})

# Holds an agent requests and a supervisor approves; they always end, after at most the days the
# setting names (HOLDS_MAX_DAYS), and are in force only from the approval.
APPROVED_HOLD_KINDS = frozenset({HoldKind.HARDSHIP, HoldKind.BREATHING_SPACE})

# Holds that stop contact with the cardholder for good and send the case to the supervisors' specialist
# queue: they carry no end date.
SPECIALIST_HOLD_KINDS = frozenset({HoldKind.DECEASED, HoldKind.BANKRUPTCY})

# Holds that may end on a date by themselves. Register holds end with their entry, specialist holds never.
DATED_HOLD_KINDS = frozenset(HoldKind.values) - REGISTER_HOLD_KINDS - SPECIALIST_HOLD_KINDS

OPEN_STAGES = frozenset(Stage.values) - {Stage.CLOSED}

# The stages a case leaves with its first contact made (contacts.services, contacts.delivery, the dialer).
BEFORE_CONTACT_STAGES = (Stage.CONFIRM, Stage.PLAN)


class ConfirmCheck(models.TextChoices):
    """The checks of the confirm stage; a case failing one stores its code in `Case.confirm_exceptions`."""

    AMOUNTS = "amounts", _("The amounts overdue are inconsistent: nothing is overdue.")
    CONTACT_POINT = "contact_point", _("The cardholder has no phone number, email or address on file.")
    DISPUTE = "dispute", _("A dispute is open.")

# from-stage -> the stages it may move to. Closing is listed here too; which outcome a close may carry
# is decided by CLOSE_OUTCOMES_FROM below.
#
# confirm: the core system reported the delinquency and the portal checks it (cases.confirm); a case that
#   fails a check waits here, on the supervisors' exceptions list.
# plan: the escalation pass placed it (tier, strategy, owner, first contacts scheduled).
# contact: the first contact was actually made: a message sent, or an attempt logged by staff or the dialer.
#   A contact made before the pass placed the case moves it from confirm straight to contact.
TRANSITIONS: dict[str, frozenset[str]] = {
    Stage.CONFIRM: frozenset({Stage.PLAN, Stage.CONTACT, Stage.CLOSED}),
    Stage.PLAN: frozenset({Stage.CONTACT, Stage.CLOSED}),
    Stage.CONTACT: frozenset({Stage.NEGOTIATE, Stage.FOLLOW_UP, Stage.LEGAL, Stage.CLOSED}),
    Stage.NEGOTIATE: frozenset({Stage.CONTACT, Stage.FOLLOW_UP, Stage.LEGAL, Stage.CLOSED}),
    # A broken promise or plan goes back to contact; renegotiation goes back to negotiate.
    Stage.FOLLOW_UP: frozenset({Stage.CONTACT, Stage.NEGOTIATE, Stage.LEGAL, Stage.CLOSED}),
    # Litigation withdrawn goes back to contact; settled in court goes to negotiate, where the plan the
    # court's settlement sets is proposed and agreed, then followed up.
    Stage.LEGAL: frozenset({Stage.CONTACT, Stage.NEGOTIATE, Stage.CLOSED}),
    Stage.CLOSED: frozenset(),
}

# outcome -> the stages a case may close from with that outcome.
CLOSE_OUTCOMES_FROM: dict[str, frozenset[str]] = {
    Outcome.CURED: frozenset(OPEN_STAGES),
    Outcome.RECALLED: frozenset(OPEN_STAGES),
    # A plan completed (follow up), or a judgment paid (legal).
    Outcome.SETTLED: frozenset({Stage.FOLLOW_UP, Stage.LEGAL}),
    Outcome.WRITTEN_OFF: frozenset({Stage.CONTACT, Stage.NEGOTIATE, Stage.FOLLOW_UP, Stage.LEGAL}),
}


# A closed case reopens, as the same case, only when the money that closed it is reversed (a bounced or
# returned payment): it goes back to follow-up when a plan is active again, to contact otherwise. No other
# outcome reopens, and `case_transition` takes this path only for a case that was closed with one of these.
REOPEN_OUTCOMES = frozenset({Outcome.CURED, Outcome.SETTLED})
REOPEN_TO = frozenset({Stage.CONTACT, Stage.FOLLOW_UP})


def reopen_allowed(closed_outcome: str, to_stage: str) -> bool:
    return closed_outcome in REOPEN_OUTCOMES and to_stage in REOPEN_TO


def transition_allowed(from_stage: str, to_stage: str, outcome: str | None) -> bool:
    if to_stage not in TRANSITIONS.get(from_stage, ()):
        return False
    if to_stage == Stage.CLOSED:
        return outcome is not None and from_stage in CLOSE_OUTCOMES_FROM.get(outcome, ())
    return outcome is None
