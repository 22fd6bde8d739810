"""Repayment plans: proposing one, approving or rejecting it, and the cardholder's acceptance that activates it.

Every status change goes through `_plan_move`: a compare-and-swap on the status the caller saw, checked
against PLAN_TRANSITIONS, with a PlanDecision row and an audit record in the same transaction. A plan's
case is locked before the plan, the order the payment ingest uses, so a payment and a plan change never
deadlock and never miss each other.
"""

import datetime as dt
import hmac
import secrets
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from audit.services import audit_log
from cases.contact_stops import StopCause, cases_contact_stop
from cases.lifecycle import Stage
from cases.models import Case
from cases.services import case_transition
from contacts.senders import DeliveryError, sms_backend
from core.actors import actor_fields
from core.errors import Conflict, DomainError, reason_required
from core.i18n import stored_phrase
from events.models import EventType
from events.services import event_emit
from repayment_plans.affordability import IncomeAndExpenditure, affordability_of
from repayment_plans.authority import authority_covers, authority_limits, authority_required_role
from repayment_plans.calculator import PARTS, Schedule, months_between, schedule_calculate
from repayment_plans.models import (
    PLAN_MAX_MONTHS,
    PLAN_TRANSITIONS,
    AcceptanceMethod,
    ApprovalKind,
    IncomeSource,
    IncomeStatement,
    Instalment,
    PlanBasis,
    PlanDecision,
    PlanKind,
    PlanStatus,
    RepaymentPlan,
)
from repayment_plans.recordings import agreement_recording
from repayment_plans.selectors import plan_interest_rate
from repayment_plans.tracking import plans_allocate
from staff.permissions import Capability, can, user_role

MAX_PAYMENTS = PLAN_MAX_MONTHS
MAX_SETTLEMENT_PAYMENTS = 3
CODE_TTL = dt.timedelta(minutes=15)
CODE_MAX_ATTEMPTS = 5
SIGNED_COPY_MAX_BYTES = 10 * 1024 * 1024
SIGNED_COPY_SIGNATURES = (b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
# An approved plan waits for the cardholder's word and an active one is being paid: either way the
# policy's calls and visits stop at once.
CONTACT_STOPPING = frozenset({PlanStatus.APPROVED, PlanStatus.ACTIVE})
NEGOTIATE_FROM = frozenset({Stage.CONFIRM, Stage.PLAN, Stage.CONTACT, Stage.NEGOTIATE, Stage.FOLLOW_UP})


class PlanError(DomainError):
    code = "plan_invalid"


class PlanConflict(Conflict):
    code = "plan_conflict"


# Reasons stored in English with what they carry; registered here, at import, to be shown translated.
REJECTED_REASON = stored_phrase("Repayment plan rejected: %(reason)s")
WITHDRAWN_REASON = stored_phrase("Repayment plan withdrawn: %(reason)s")


def _require_reason(reason: str) -> str:
    return reason_required(reason, error=PlanError)


def plan_owed(*, case: Case) -> dict[str, Decimal]:
    return {"principal": case.principal_overdue, "interest": case.interest_overdue, "fees": case.fees_overdue,
            "penalty": case.penalty_overdue}


def plan_preview(
    *, case: Case, kind: str, waivers: dict[str, Decimal], count: int, first_due_date: dt.date,
    at: dt.datetime | None = None,
) -> Schedule:
    """The calculator for a case: the schedule the plan would have, checked against the plan type's rules.

    Raises PlanError (with the field at fault) when the terms are not a valid plan of that type.
    """
    if kind not in PlanKind.values:
        raise PlanError(_("Unknown plan type %(kind)s."), params={"kind": repr(kind)}, field="kind")
    today = (at or timezone.now()).astimezone(ZoneInfo(case.timezone_name)).date()
    if first_due_date < today:
        raise PlanError(_("The first payment cannot be due in the past."), field="first_due_date")
    if not 1 <= count <= MAX_PAYMENTS:
        raise PlanError(_("A plan has 1 to %(max_payments)s payments."), params={"max_payments": MAX_PAYMENTS},
                        field="count")
    if kind == PlanKind.INSTALMENTS and count < 2:
        raise PlanError(_("Instalments need at least two payments."), field="count")
    if kind == PlanKind.DEFERRAL and count != 1:
        raise PlanError(_("A deferral is one payment at a later date."), field="count")
    if kind == PlanKind.SETTLEMENT and count > MAX_SETTLEMENT_PAYMENTS:
        raise PlanError(_("A settlement is paid in at most %(max_settlement_payments)s payments."),
                        params={"max_settlement_payments": MAX_SETTLEMENT_PAYMENTS}, field="count")
    for part in PARTS:
        value = waivers.get(part, Decimal("0"))
        if not isinstance(value, Decimal) or not Decimal("0") <= value <= Decimal("100"):
            raise PlanError(_("A waiver is between 0 and 100 %."), field=f"waive_{part}")
    schedule = schedule_calculate(owed=plan_owed(case=case), waivers=waivers, count=count,
                                  first_due_date=first_due_date, today=today)
    if kind == PlanKind.SETTLEMENT and schedule.waived_total <= 0:
        raise PlanError(_("A settlement pays a reduced total: waive something."), field="kind")
    if schedule.total <= 0:
        raise PlanError(_("Nothing would be left to pay."), field="kind")
    if schedule.months > PLAN_MAX_MONTHS:
        # Art. 70: whatever the authority rows say. The field at fault is the first date when it alone is
        # too far, otherwise the number of payments.
        late_start = months_between(today, first_due_date) > PLAN_MAX_MONTHS
        raise PlanError(_("The last payment would fall %(months)s months from today; a plan runs at most "
                          "%(max_months)s months."), params={"months": schedule.months, "max_months": PLAN_MAX_MONTHS},
                        code="beyond_60_months", field="first_due_date" if late_start else "count")
    return schedule


def income_statement_check(*, statement: IncomeAndExpenditure | None) -> None:
    """PlanError beside the field at fault when a statement's figures are not figures a person could have."""
    if statement is None:
        return
    for name in ("monthly_income", "essential_spending", "other_debts"):
        value = getattr(statement, name)
        if not isinstance(value, Decimal) or value < 0 or value != value.quantize(Decimal("0.01")):
            raise PlanError(_("An amount of money is zero or more, to the cent."), field=name)
    if not isinstance(statement.household_size, int) or not 1 <= statement.household_size <= 99:
        raise PlanError(_("A household has 1 to 99 people."), field="household_size")
    if any(source not in IncomeSource.values for source in statement.income_sources):
        raise PlanError(_("Unknown source of income."), field="income_sources")


def _plan_move(
    *, plan: RepaymentPlan, to: str, actor, reason: str, at: dt.datetime, ip_address: str | None = None,
    **fields,
) -> RepaymentPlan:
    from_status = plan.status
    if to not in PLAN_TRANSITIONS.get(from_status, ()):
        raise PlanConflict(_("A plan that is %(status)s cannot become %(to)s."),
                           params={"status": PlanStatus(from_status).label, "to": PlanStatus(to).label})
    if RepaymentPlan.objects.filter(pk=plan.pk, status=from_status).update(status=to, **fields) != 1:
        raise PlanConflict(_("The plan has changed meanwhile; reload it and try again."))
    plan.status = to
    for name, value in fields.items():
        setattr(plan, name, value)
    PlanDecision.objects.create(plan=plan, from_status=from_status, to_status=to, reason=reason, created_at=at,
                                approval_kind=fields.get("approval_kind", ""), **actor_fields(actor))
    audit_log(actor=actor, action=f"plan.{to}", obj=plan, case_id=plan.case_id, reason=reason,
              changes={"from": from_status, "to": to,
                       **({"approval_kind": fields["approval_kind"]} if "approval_kind" in fields else {})},
              ip_address=ip_address)
    if to in CONTACT_STOPPING:
        cases_contact_stop(case_ids=[plan.case_id], cause=StopCause.PLAN, actor=actor, at=at)
    return plan


def _locked(plan: RepaymentPlan) -> RepaymentPlan:
    Case.objects.select_for_update().filter(pk=plan.case_id).get()
    return RepaymentPlan.objects.select_for_update().select_related("case__account__customer").get(pk=plan.pk)


@transaction.atomic
def plan_propose(
    *, case: Case, kind: str, waivers: dict[str, Decimal], count: int, first_due_date: dt.date, actor,
    basis: str, statement: IncomeAndExpenditure | None = None, shortfall_reason: str = "", terms: str = "",
    at: dt.datetime | None = None, ip_address: str | None = None,
) -> RepaymentPlan:
    """Propose a plan for `case` on the calculator's schedule; returns it approved or awaiting approval.

    `basis` records why the cardholder needs a plan (PlanBasis; Art. 70's case is beyond their ability
    with willingness to pay). `statement`, the cardholder's income and expenditure, is optional; with
    it, an instalment larger than the disposable income needs `shortfall_reason`.

    Within the proposer's authority the plan is approved at once, as an approval within own authority
    that names the proposer and is nobody else's check; beyond it, or for every plan when
    PLANS_NEED_SECOND_PERSON is set (four eyes), it waits for the lowest role whose authority covers
    it (PlanError when none does). No plan runs past 60 months. At most one plan in progress per case
    (PlanConflict otherwise). The case moves to negotiate; all of it is audited.
    """
    now = at or timezone.now()
    if basis not in PlanBasis.values:
        raise PlanError(_("Say why the cardholder needs a plan."), field="basis")
    income_statement_check(statement=statement)
    limits = authority_limits()
    role = user_role(actor)
    if role not in limits:
        raise PlanError(_("Your role may not propose repayment plans."), code="not_allowed")
    case = Case.objects.select_for_update().select_related("account__customer").get(pk=case.pk)
    if case.stage not in NEGOTIATE_FROM:
        raise PlanError(_("A plan can only be proposed for a case in collections."), code="case_not_open")
    schedule = plan_preview(case=case, kind=kind, waivers=waivers, count=count, first_due_date=first_due_date, at=now)
    affordability = affordability_of(statement=statement, schedule=schedule)
    shortfall_reason = (shortfall_reason or "").strip() if statement is not None else ""
    if affordability is not None and affordability.exceeds and not shortfall_reason:
        raise PlanError(_("The instalment is more than the disposable income: say why the plan goes ahead."),
                        code="reason_required", field="shortfall_reason")
    within = authority_covers(limit=limits[role], schedule=schedule)
    approve_now = within and not settings.PLANS_NEED_SECOND_PERSON
    required = "" if approve_now else authority_required_role(schedule=schedule, limits=limits)
    if required is None:
        raise PlanError(_("These terms are beyond anyone's authority."), code="beyond_authority")
    who = actor_fields(actor)
    owed = schedule.owed
    try:
        with transaction.atomic():
            plan = RepaymentPlan.objects.create(
                case=case, kind=kind, status=PlanStatus.PENDING_APPROVAL, currency=case.currency,
                owed_principal=owed["principal"], owed_interest=owed["interest"], owed_fees=owed["fees"],
                owed_penalty=owed["penalty"], waived_amount=schedule.waived_total, total=schedule.total,
                instalment_count=count, first_due_date=first_due_date, months=schedule.months, required_role=required,
                within_proposer_authority=within, basis=basis, interest_rate=plan_interest_rate(account=case.account),
                terms=(terms or "").strip(),
                proposed_by=who["actor"], proposed_by_label=who["actor_label"], proposed_at=now,
                proposed_on=now.astimezone(ZoneInfo(case.timezone_name)).date(),
                **{f"waive_{part}_percent": waivers.get(part, Decimal("0")) for part in PARTS})
    except IntegrityError as exc:
        raise PlanConflict(_("This case already has a plan in progress.")) from exc
    if statement is not None:
        IncomeStatement.objects.create(
            plan=plan, monthly_income=statement.monthly_income, income_sources=list(statement.income_sources),
            household_size=statement.household_size, essential_spending=statement.essential_spending,
            other_debts=statement.other_debts, shortfall_reason=shortfall_reason)
    Instalment.objects.bulk_create([Instalment(plan=plan, number=p.number, due_date=p.due_date, amount=p.amount)
                                    for p in schedule.payments])
    PlanDecision.objects.create(plan=plan, from_status="", to_status=PlanStatus.PENDING_APPROVAL, created_at=now,
                                reason=stored_phrase("Proposed."), **who)
    audit_log(actor=actor, action="plan.proposed", obj=plan, case_id=case.pk, ip_address=ip_address,
              changes={"kind": kind, "total": str(schedule.total), "waived": str(schedule.waived_total),
                       "payments": count, "months": schedule.months, "required_role": required,
                       "within_proposer_authority": within, "basis": basis,
                       "disposable_income": str(affordability.disposable_income) if affordability else None})
    reason = gettext_noop("Repayment plan proposed: it awaits a decision and the cardholder's acceptance.")
    if case.stage in (Stage.CONFIRM, Stage.PLAN):
        case = case_transition(case=case, to=Stage.CONTACT, actor=actor, reason=reason, at=now)
    if case.stage != Stage.NEGOTIATE:
        case = case_transition(case=case, to=Stage.NEGOTIATE, actor=actor, reason=reason, at=now)
    if approve_now:
        # The proposer's own authority is the approval: it names them, and is never a second person's check.
        plan = _plan_move(plan=plan, to=PlanStatus.APPROVED, actor=actor, at=now, ip_address=ip_address,
                          reason=stored_phrase("Within the proposer's authority."),
                          approval_kind=ApprovalKind.WITHIN_OWN_AUTHORITY, decided_by=who["actor"], decided_at=now)
    return plan


def plan_may_approve(*, plan: RepaymentPlan, user) -> bool:
    """Maker-checker and authority: an approver other than the proposer whose own authority covers the plan.

    Under four eyes a plan within an agent's authority waits too; a colleague with the same authority is
    not its checker, only someone who may approve plans is."""
    if (plan.status != PlanStatus.PENDING_APPROVAL or plan.proposed_by_id == user.pk
            or not can(user, Capability.APPROVE_PLANS)):
        return False
    limit = authority_limits().get(user_role(user))
    if limit is None:
        return False
    return (plan.months <= limit.max_months and _charges_percent(plan) <= limit.max_charges_waiver_percent
            and plan.waive_principal_percent <= limit.max_principal_waiver_percent)


def _charges_percent(plan: RepaymentPlan) -> Decimal:
    schedule = schedule_calculate(
        owed={"principal": plan.owed_principal, "interest": plan.owed_interest, "fees": plan.owed_fees,
              "penalty": plan.owed_penalty},
        waivers={part: getattr(plan, f"waive_{part}_percent") for part in PARTS}, count=1,
        first_due_date=plan.first_due_date, today=plan.first_due_date)
    return schedule.charges_waiver_percent


@transaction.atomic
def plan_approve(*, plan: RepaymentPlan, actor, reason: str, at: dt.datetime | None = None,
                 ip_address: str | None = None) -> RepaymentPlan:
    """Approve a plan awaiting approval. The approver is never the proposer and has enough authority."""
    reason = _require_reason(reason)
    plan = _locked(plan)
    if plan.proposed_by_id == getattr(actor, "pk", None):
        raise PlanError(_("The proposer of a plan cannot approve it."), code="maker_checker")
    if not plan_may_approve(plan=plan, user=actor):
        if plan.status != PlanStatus.PENDING_APPROVAL:
            raise PlanConflict(_("This plan is not awaiting approval."))
        raise PlanError(_("This plan is beyond your authority."), code="beyond_authority")
    now = at or timezone.now()
    return _plan_move(plan=plan, to=PlanStatus.APPROVED, actor=actor, reason=reason, at=now, ip_address=ip_address,
                      approval_kind=ApprovalKind.SECOND_PERSON, decided_by=actor, decided_at=now)


@transaction.atomic
def plan_reject(*, plan: RepaymentPlan, actor, reason: str, at: dt.datetime | None = None,
                ip_address: str | None = None) -> RepaymentPlan:
    """Reject a plan awaiting approval, with a reason. Only someone who could have approved it may."""
    reason = _require_reason(reason)
    plan = _locked(plan)
    if plan.status == PlanStatus.PENDING_APPROVAL and not plan_may_approve(plan=plan, user=actor):
        raise PlanError(_("Only an approver with enough authority may reject this plan."), code="beyond_authority")
    now = at or timezone.now()
    plan = _plan_move(plan=plan, to=PlanStatus.REJECTED, actor=actor, reason=reason, at=now, ip_address=ip_address,
                      decided_by=actor, decided_at=now, ended_at=now)
    _back_to_contact(plan=plan, actor=actor, at=now,
                     reason=REJECTED_REASON % {"reason": reason})
    return plan


def _back_to_contact(*, plan: RepaymentPlan, actor, reason: str, at: dt.datetime) -> None:
    # The policy contacts no case in negotiation, so a case left there without a plan would be forgotten.
    case = plan.case
    if case.stage == Stage.NEGOTIATE:
        case_transition(case=case, to=Stage.CONTACT, actor=actor, reason=reason, at=at)


def _code_hash(plan: RepaymentPlan, code: str) -> str:
    return salted_hmac("repayment_plans.acceptance", f"{plan.pk}:{code}").hexdigest()


@transaction.atomic
def plan_acceptance_code_send(*, plan: RepaymentPlan, actor, at: dt.datetime | None = None,
                              ip_address: str | None = None) -> None:
    """Send the cardholder a one-time code (valid CODE_TTL) through the SMS provider; a new code replaces the old.

    Raises PlanError when the plan is not approved, the cardholder has no phone, or the provider fails
    (then no code is stored).
    """
    plan = _locked(plan)
    if plan.status != PlanStatus.APPROVED:
        raise PlanConflict(_("Only an approved plan can be accepted."))
    customer = plan.case.account.customer
    if not customer.phone:
        raise PlanError(_("The cardholder has no phone number on file."), code="no_phone")
    now = at or timezone.now()
    code = f"{secrets.randbelow(10**6):06d}"
    RepaymentPlan.objects.filter(pk=plan.pk).update(acceptance_code_hash=_code_hash(plan, code),
                                                    acceptance_code_expires_at=now + CODE_TTL,
                                                    acceptance_code_attempts=0)
    if customer.language == "en":
        body = (f"{settings.CONTACTS_BANK_NAME}: your code to accept repayment plan {plan.pk} is {code}. "
                f"It is valid for 15 minutes.")
    else:
        body = f"【{settings.CONTACTS_BANK_NAME}】您确认还款协议{plan.pk}的验证码为{code}，15分钟内有效。"
    try:
        sms_backend().send(to=customer.phone, body=body, reference=f"plan-{plan.pk}-acceptance")
    except DeliveryError as exc:
        raise PlanError(_("The code could not be sent: %(exc)s"), params={"exc": exc}, code="sms_failed") from exc
    audit_log(actor=actor, action="plan.acceptance_code_sent", obj=plan, case_id=plan.case_id, ip_address=ip_address)


def plan_accept_with_code(*, plan: RepaymentPlan, code: str, actor, recording_ref: str = "",
                          recording_sha256: str = "", at: dt.datetime | None = None,
                          ip_address: str | None = None) -> RepaymentPlan:
    """Activate an approved plan when `code` is the cardholder's valid one-time code.

    The cardholder reads the code out on the phone, so the plan is agreed on a call: its recording is
    named (`recording_ref`, optionally `recording_sha256`), and required when
    RECORDINGS_REQUIRED_FOR_AGREEMENTS is on. A wrong code counts an attempt (committed even though the
    call fails); after CODE_MAX_ATTEMPTS the code is spent and a new one must be sent.
    """
    now = at or timezone.now()
    recording_ref, recording_sha256 = agreement_recording(by_phone=True, ref=recording_ref, sha256=recording_sha256,
                                                          error=PlanError)
    with transaction.atomic():
        plan = _locked(plan)
        if plan.status != PlanStatus.APPROVED:
            raise PlanConflict(_("Only an approved plan can be accepted."))
        expires = plan.acceptance_code_expires_at
        usable = (plan.acceptance_code_hash and expires and now < expires
                  and plan.acceptance_code_attempts < CODE_MAX_ATTEMPTS)
        if usable and hmac.compare_digest(plan.acceptance_code_hash, _code_hash(plan, (code or "").strip())):
            RepaymentPlan.objects.filter(pk=plan.pk).update(acceptance_code_hash="", acceptance_code_expires_at=None,
                                                            recording_ref=recording_ref,
                                                            recording_sha256=recording_sha256)
            return _activate(plan=plan, actor=actor, via=AcceptanceMethod.SMS_CODE, at=now, ip_address=ip_address)
        if usable:
            RepaymentPlan.objects.filter(pk=plan.pk).update(acceptance_code_attempts=plan.acceptance_code_attempts + 1)
    raise PlanError(_("The code is wrong or has expired."), code="invalid_code", field="code")


@transaction.atomic
def plan_accept_with_signed_copy(*, plan: RepaymentPlan, upload, actor, at: dt.datetime | None = None,
                                 ip_address: str | None = None) -> RepaymentPlan:
    """Activate an approved plan on the cardholder's signed agreement (a PDF, PNG or JPEG up to 10 MB)."""
    plan = _locked(plan)
    if plan.status != PlanStatus.APPROVED:
        raise PlanConflict(_("Only an approved plan can be accepted."))
    if upload.size > SIGNED_COPY_MAX_BYTES:
        raise PlanError(_("The signed copy is larger than 10 MB."), field="signed_copy")
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(SIGNED_COPY_SIGNATURES):
        raise PlanError(_("The signed copy must be a PDF, PNG or JPEG file."), field="signed_copy")
    plan.signed_copy.save(f"plan-{plan.pk}-signed{_extension(head)}", upload, save=False)
    RepaymentPlan.objects.filter(pk=plan.pk).update(signed_copy=plan.signed_copy.name)
    return _activate(plan=plan, actor=actor, via=AcceptanceMethod.SIGNED_COPY, at=at or timezone.now(),
                     ip_address=ip_address)


def _extension(head: bytes) -> str:
    return ".pdf" if head.startswith(b"%PDF-") else ".png" if head.startswith(b"\x89PNG") else ".jpg"


# Stored in English like every reason, and shown in the reader's language (cases.timeline.stored_text).
ACCEPTED_REASONS = {
    AcceptanceMethod.SMS_CODE: stored_phrase("Accepted by the cardholder with the code sent by SMS."),
    AcceptanceMethod.SIGNED_COPY: stored_phrase("Accepted by the cardholder with a signed copy of the agreement."),
    AcceptanceMethod.SELF_SERVICE: stored_phrase("Accepted by the cardholder on their own page with the code sent by "
                                                 "SMS."),
}


def _activate(*, plan: RepaymentPlan, actor, via: str, at: dt.datetime, ip_address: str | None) -> RepaymentPlan:
    plan = _plan_move(plan=plan, to=PlanStatus.ACTIVE, actor=actor, at=at, ip_address=ip_address,
                      reason=ACCEPTED_REASONS[via], accepted_via=via, activated_at=at)
    case = plan.case
    if case.stage in (Stage.CONTACT, Stage.NEGOTIATE):
        case_transition(case=case, to=Stage.FOLLOW_UP, actor=actor, at=at,
                        reason=stored_phrase("Repayment plan agreed: following up the instalments."))
    event_emit(type=EventType.PLAN_AGREED, case=case, at=at, payload={
        "plan_id": plan.pk, "kind": plan.kind, "total": str(plan.total), "waived": str(plan.waived_amount),
        "currency": plan.currency,
        "instalments": [{"number": i.number, "due_date": i.due_date.isoformat(), "amount": str(i.amount)}
                        for i in plan.instalments.order_by("number")]})
    # Money the cardholder paid since the proposal already counts towards the plan.
    plans_allocate(case_ids=[case.pk], at=at)
    plan.refresh_from_db()
    return plan


@transaction.atomic
def plan_cancel(*, plan: RepaymentPlan, actor, reason: str, at: dt.datetime | None = None,
                ip_address: str | None = None) -> RepaymentPlan:
    """Withdraw a plan not yet active (the cardholder changed their mind, or the terms are to be redone).

    Its proposer or a supervisor or manager may; the case goes back to contact.
    """
    reason = _require_reason(reason)
    plan = _locked(plan)
    if plan.proposed_by_id != getattr(actor, "pk", None) and not can(actor, Capability.APPROVE_PLANS):
        raise PlanError(_("Only the proposer or a supervisor may withdraw this plan."), code="not_allowed")
    now = at or timezone.now()
    plan = _plan_move(plan=plan, to=PlanStatus.CANCELLED, actor=actor, reason=reason, at=now, ip_address=ip_address,
                      ended_at=now)
    _back_to_contact(plan=plan, actor=actor, at=now,
                     reason=WITHDRAWN_REASON % {"reason": reason})
    return plan
