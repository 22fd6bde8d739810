"""What a case's closing ends in negotiation: a write-off still awaiting approval and a promise still pending.

Whatever closes a case (cured or settled by the core system's figures or a payment, recalled, written off,
a judgment paid) goes through `cases.services.case_transition`, which calls `cases_contact_stop` in the
closing transaction; `agreements_end_on_close` is registered there (`contact_stop_register`), so no
closing path can leave a proposal waiting for an approver, or a promise waiting to break, on a closed case.
"""

from django.utils import timezone

from audit.models import AuditRecord
from cases.contact_stops import ContactStop
from cases.lifecycle import Outcome
from cases.models import Case
from core.actors import actor_fields
from core.i18n import english, stored_phrase
from repayment_plans.models import Promise, PromiseStatus, WriteOff, WriteOffStatus
from repayment_plans.promises import promises_evaluate

# The write-off's decision reason, in English with the outcome's name, shown in the reader's language.
WITHDRAWN_ON_CLOSE = stored_phrase("Withdrawn: the case closed (%(outcome)s).")


def write_offs_withdraw_on_close(stop: ContactStop) -> int:
    """Withdraw, with a reason naming the outcome, every write-off still awaiting approval on the closed cases;
    one audit row each. An approved write-off closed the case itself, and is not pending by then."""
    waiting = list(WriteOff.objects.select_for_update().filter(case_id__in=stop.case_ids,
                                                                status=WriteOffStatus.PENDING_APPROVAL)
                   .order_by("pk"))
    if not waiting:
        return 0
    outcomes = dict(Case.objects.filter(pk__in={w.case_id for w in waiting}).values_list("pk", "outcome"))
    who = actor_fields(stop.actor)
    records = []
    for write_off in waiting:
        outcome = outcomes.get(write_off.case_id) or ""
        reason = WITHDRAWN_ON_CLOSE % {"outcome": english(Outcome(outcome).label) if outcome else "—"}
        WriteOff.objects.filter(pk=write_off.pk, status=WriteOffStatus.PENDING_APPROVAL).update(
            status=WriteOffStatus.WITHDRAWN, decided_by=who["actor"], decided_by_label=who["actor_label"],
            decided_at=stop.at, decision_reason=reason)
        records.append(AuditRecord(at=stop.at, action="write_off.withdrawn_on_close",
                                   object_type=WriteOff._meta.label_lower, object_id=str(write_off.pk),
                                   case_id=write_off.case_id, reason=reason, changes={"outcome": outcome}, **who))
    AuditRecord.objects.bulk_create(records)
    return len(waiting)


def promises_end_on_close(stop: ContactStop) -> int:
    """End the pending promises of the closed cases: each is evaluated first (money already paid keeps it, as
    it would have at its date), and the ones still pending are cancelled. Returns how many were cancelled."""
    promises_evaluate(case_ids=stop.case_ids, at=stop.at)
    return Promise.objects.filter(case_id__in=stop.case_ids, status=PromiseStatus.PENDING).update(
        status=PromiseStatus.CANCELLED, evaluated_at=stop.at or timezone.now())


def agreements_end_on_close(stop: ContactStop) -> int:
    """For `cases.contact_stops.contact_stop_register`: on closing only, a waiting write-off is withdrawn and
    pending promises end. Returns how many items it ended."""
    if not stop.closing:
        return 0
    return write_offs_withdraw_on_close(stop) + promises_end_on_close(stop)
