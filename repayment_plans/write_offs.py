"""Write-offs: a supervisor or manager proposes writing off the whole balance of an open case, and the
case closes as written off once someone with enough authority approves.

A partial reduction is a settlement plan (repayment_plans.plans); a write-off is always everything still
owed, by part, as the case stands. Authority follows the authority table's write-off limits, per currency
(repayment_plans.authority): within the proposer's own limit the proposal is approved at once, as an
approval within own authority that names the proposer and is nobody else's check; beyond it, or for every
write-off under four eyes (WRITE_OFFS_NEED_SECOND_PERSON), it waits for an approver other than the
proposer whose own limit covers the amount.

Locks: the case first, then the write-off (the order the payment ingest and the plans use), so a payment
and a decision never miss each other: an approval holds only while the case still owes what was proposed.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.lifecycle import CLOSE_OUTCOMES_FROM, Outcome, Stage
from cases.models import Case
from cases.services import case_transition
from core.actors import actor_fields
from core.errors import Conflict, DomainError, reason_required
from core.i18n import stored_phrase
from events.models import EventType
from events.services import event_emit
from repayment_plans.authority import authority_limits, write_off_limit, write_off_required_role
from repayment_plans.models import PLAN_IN_PROGRESS, ApprovalKind, RepaymentPlan, WriteOff, WriteOffStatus
from staff.permissions import Capability, can, user_role

# The stages a case may be written off from: the lifecycle's table says so.
WRITE_OFF_FROM = CLOSE_OUTCOMES_FROM[Outcome.WRITTEN_OFF]

# The case's history row says why it closed, in English with the proposer's reason, shown translated.
CLOSED_REASON = stored_phrase("Written off: %(reason)s")


class WriteOffError(DomainError):
    code = "write_off_invalid"


class WriteOffConflict(Conflict):
    code = "write_off_conflict"


def write_off_amounts(*, case: Case) -> dict[str, Decimal]:
    """What writing `case` off would write off now: every overdue part, and their total."""
    parts = {"principal": case.principal_overdue, "interest": case.interest_overdue, "fees": case.fees_overdue,
             "penalty": case.penalty_overdue}
    return {**parts, "total": sum(parts.values(), Decimal("0"))}


def write_off_check_case(*, case: Case) -> None:
    """WriteOffError unless `case` may be written off now (its stage, something owed, no plan in progress)."""
    if case.stage not in WRITE_OFF_FROM:
        labels = [Stage(stage).label for stage in Stage.values if stage in WRITE_OFF_FROM]
        # Lazy, like the message: the stages are named in the language the refusal is shown in.
        stages = format_lazy(", ".join(["{}"] * len(labels)), *labels)
        raise WriteOffError(_("Only a case at one of these stages can be written off: %(stages)s."),
                            params={"stages": stages}, code="case_not_eligible")
    if write_off_amounts(case=case)["total"] <= 0:
        raise WriteOffError(_("Nothing is owed on this case: there is nothing to write off."), code="nothing_owed")
    if RepaymentPlan.objects.filter(case=case, status__in=PLAN_IN_PROGRESS).exists():
        raise WriteOffError(_("This case has a repayment plan in progress; it must end or be withdrawn before the "
                              "case is written off."), code="plan_in_progress")


def _person_who_can(actor, capability: Capability) -> bool:
    """A signed-in member of staff whose role has `capability` (a system name decides nothing here)."""
    return getattr(actor, "is_authenticated", False) and can(actor, capability)


def _limit_of(user, currency: str) -> Decimal | None:
    return write_off_limit(limit=authority_limits().get(user_role(user)), currency=currency)


@transaction.atomic
def write_off_propose(*, case: Case, actor, reason: str, at: dt.datetime | None = None,
                      ip_address: str | None = None) -> WriteOff:
    """Propose writing off everything `case` still owes, with `reason`; returns the write-off.

    The case must be at a stage it may close from as written off (contact, negotiate, follow-up or legal:
    litigation calls this when a debt proves uncollectable) and have no plan in progress. Within the
    actor's own limit in the case's currency, and unless four eyes is on, it is approved at once and the
    case closes (see `write_off_approve` for what closing does). Otherwise it waits for the lowest role
    whose limit covers it; WriteOffError (beyond_authority) when no role's does, WriteOffConflict when the
    case already has a proposal waiting. Audited.
    """
    reason = reason_required(reason, error=WriteOffError)
    if not _person_who_can(actor, Capability.PROPOSE_WRITE_OFFS):
        raise WriteOffError(_("Your role may not propose write-offs."), code="not_allowed")
    now = at or timezone.now()
    case = Case.objects.select_for_update().select_related("account__customer").get(pk=case.pk)
    write_off_check_case(case=case)
    amounts = write_off_amounts(case=case)
    limits = authority_limits()
    role = user_role(actor)
    own_limit = write_off_limit(limit=limits.get(role), currency=case.currency)
    within = own_limit is not None and amounts["total"] <= own_limit
    approve_now = within and not settings.WRITE_OFFS_NEED_SECOND_PERSON
    required = "" if approve_now else write_off_required_role(amount=amounts["total"], currency=case.currency,
                                                              limits=limits)
    if required is None:
        raise WriteOffError(_("%(amount)s %(currency)s is beyond every role's write-off limit in %(currency)s."),
                            params={"amount": amounts["total"], "currency": case.currency}, code="beyond_authority")
    who = actor_fields(actor)
    try:
        with transaction.atomic():
            write_off = WriteOff.objects.create(
                case=case, currency=case.currency, reason=reason, proposer_role=role or "", proposer_limit=own_limit,
                within_proposer_authority=within, required_role=required, proposed_by=who["actor"],
                proposed_by_label=who["actor_label"], proposed_at=now, **amounts)
    except IntegrityError as exc:
        raise WriteOffConflict(_("This case already has a write-off awaiting approval.")) from exc
    audit_log(actor=actor, action="write_off.proposed", obj=write_off, case_id=case.pk, reason=reason,
              ip_address=ip_address, changes={**{name: str(value) for name, value in amounts.items()},
                                              "currency": case.currency, "required_role": required,
                                              "within_proposer_authority": within})
    if approve_now:
        # The proposer's own authority is the approval: it names them, and is never a second person's check.
        write_off = _approve(write_off=write_off, case=case, actor=actor, at=now, ip_address=ip_address,
                             kind=ApprovalKind.WITHIN_OWN_AUTHORITY,
                             reason=stored_phrase("Within the proposer's authority."))
    return write_off


def write_off_may_approve(*, write_off: WriteOff, user) -> bool:
    """Maker-checker and authority: someone other than the proposer who may approve write-offs and whose own
    limit in the write-off's currency covers it."""
    if (write_off.status != WriteOffStatus.PENDING_APPROVAL or not _person_who_can(user, Capability.APPROVE_WRITE_OFFS)
            or write_off.proposed_by_id == user.pk):
        return False
    allowed = _limit_of(user, write_off.currency)
    return allowed is not None and write_off.total <= allowed


def _locked(write_off: WriteOff) -> tuple[WriteOff, Case]:
    case = Case.objects.select_for_update().select_related("account__customer").get(pk=write_off.case_id)
    return WriteOff.objects.select_for_update().get(pk=write_off.pk), case


def _decide(*, write_off: WriteOff, to: str, actor, reason: str, at: dt.datetime, **fields) -> WriteOff:
    """Compare-and-swap from pending to `to`, naming the decider; WriteOffConflict when it was decided meanwhile."""
    who = actor_fields(actor)
    changes = {"status": to, "decided_by": who["actor"], "decided_by_label": who["actor_label"], "decided_at": at,
               "decision_reason": reason, **fields}
    if WriteOff.objects.filter(pk=write_off.pk, status=WriteOffStatus.PENDING_APPROVAL).update(**changes) != 1:
        raise WriteOffConflict(_("This write-off is no longer awaiting approval."))
    for name, value in changes.items():
        setattr(write_off, name, value)
    return write_off


def _approve(*, write_off: WriteOff, case: Case, actor, kind: str, reason: str, at: dt.datetime,
             ip_address: str | None) -> WriteOff:
    if write_off_amounts(case=case) != {**write_off.parts, "total": write_off.total}:
        raise WriteOffConflict(_("The balance of the case has changed since the write-off was proposed; reject "
                                 "it and propose again."), code="balance_changed")
    write_off_check_case(case=case)
    write_off = _decide(write_off=write_off, to=WriteOffStatus.APPROVED, actor=actor, reason=reason, at=at,
                        approval_kind=kind)
    audit_log(actor=actor, action="write_off.approved", obj=write_off, case_id=case.pk, reason=reason,
              ip_address=ip_address, changes={"approval_kind": kind, "total": str(write_off.total),
                                              "currency": write_off.currency})
    # Closing cancels the case's pending contacts and visits in this transaction (cases.contact_stops).
    case_transition(case=case, to=Stage.CLOSED, outcome=Outcome.WRITTEN_OFF, actor=actor, at=at,
                    reason=CLOSED_REASON % {"reason": write_off.reason})
    event_emit(type=EventType.CASE_WRITTEN_OFF, case=case, at=at, payload={
        "write_off_id": write_off.pk, "currency": write_off.currency,
        **{name: str(value) for name, value in write_off.parts.items()}, "total": str(write_off.total),
        "approval_kind": kind})
    return write_off


@transaction.atomic
def write_off_approve(*, write_off: WriteOff, actor, reason: str, at: dt.datetime | None = None,
                      ip_address: str | None = None) -> WriteOff:
    """Approve a write-off awaiting approval, as a second person's check, and close its case as written off.

    The approver is never the proposer, may approve write-offs, and has a limit in the write-off's currency
    that covers it. The case must still owe exactly what was proposed (WriteOffConflict otherwise: a payment
    arrived or the core system changed the balance) and still be at a stage it may close from.

    In one transaction: the write-off is approved; the case closes through `case_transition` (a history row,
    `case.stage_changed` and `case.closed`, and every pending contact and visit cancelled); the
    `case.written_off` event carries the amounts by part; all of it is audited. A failure anywhere leaves
    everything as it was.
    """
    reason = reason_required(reason, error=WriteOffError)
    write_off, case = _locked(write_off)
    if write_off.proposed_by_id == getattr(actor, "pk", None):
        raise WriteOffError(_("The proposer of a write-off cannot approve it."), code="maker_checker")
    if not write_off_may_approve(write_off=write_off, user=actor):
        if write_off.status != WriteOffStatus.PENDING_APPROVAL:
            raise WriteOffConflict(_("This write-off is no longer awaiting approval."))
        raise WriteOffError(_("This write-off is beyond your authority."), code="beyond_authority")
    return _approve(write_off=write_off, case=case, actor=actor, kind=ApprovalKind.SECOND_PERSON, reason=reason,
                    at=at or timezone.now(), ip_address=ip_address)


@transaction.atomic
def write_off_reject(*, write_off: WriteOff, actor, reason: str, at: dt.datetime | None = None,
                     ip_address: str | None = None) -> WriteOff:
    """Reject a write-off awaiting approval, with a reason; only someone who could have approved it may. The
    case stays as it is."""
    reason = reason_required(reason, error=WriteOffError)
    write_off, _case = _locked(write_off)
    if write_off.status != WriteOffStatus.PENDING_APPROVAL:
        raise WriteOffConflict(_("This write-off is no longer awaiting approval."))
    if not write_off_may_approve(write_off=write_off, user=actor):
        raise WriteOffError(_("Only an approver with enough authority may reject this write-off."),
                            code="beyond_authority")
    write_off = _decide(write_off=write_off, to=WriteOffStatus.REJECTED, actor=actor, reason=reason,
                        at=at or timezone.now())
    audit_log(actor=actor, action="write_off.rejected", obj=write_off, case_id=write_off.case_id, reason=reason,
              ip_address=ip_address)
    return write_off


@transaction.atomic
def write_off_withdraw(*, write_off: WriteOff, actor, reason: str, at: dt.datetime | None = None,
                       ip_address: str | None = None) -> WriteOff:
    """Withdraw a write-off awaiting approval, with a reason: its proposer, or anyone who may propose
    write-offs (the proposer may be away). The case stays as it is."""
    reason = reason_required(reason, error=WriteOffError)
    write_off, _case = _locked(write_off)
    if write_off.status != WriteOffStatus.PENDING_APPROVAL:
        raise WriteOffConflict(_("This write-off is no longer awaiting approval."))
    if (write_off.proposed_by_id != getattr(actor, "pk", None)
            and not _person_who_can(actor, Capability.PROPOSE_WRITE_OFFS)):
        raise WriteOffError(_("Only the proposer or a supervisor may withdraw this write-off."), code="not_allowed")
    write_off = _decide(write_off=write_off, to=WriteOffStatus.WITHDRAWN, actor=actor, reason=reason,
                        at=at or timezone.now())
    audit_log(actor=actor, action="write_off.withdrawn", obj=write_off, case_id=write_off.case_id, reason=reason,
              ip_address=ip_address)
    return write_off
