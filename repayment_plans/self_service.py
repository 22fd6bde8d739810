"""Plans the cardholder makes on their own page (selfservice calls these; the offers live in escalation).

- An offer a manager pre-approved: the plan is created, approved under the manager's pre-approval (the
  second person, ApprovalKind.PRE_APPROVED_OFFER) and active at once, the cardholder having accepted it
  with an SMS code on their page. The caller checks the code and that the offer fits the case.
- A request beyond the offers: an instalment plan at the monthly amount the cardholder proposes, with
  their income and expenditure statement, waiting for approval like any plan staff propose.
Both go through plans' own moves, so the case, the contact stops, the audit and the events follow as
they do for a plan staff agree.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from audit.services import audit_log
from cases.lifecycle import Stage
from cases.models import Case
from cases.services import case_transition
from core.actors import CARDHOLDER_LABEL
from core.i18n import stored_phrase
from repayment_plans.authority import authority_covers, authority_limits, authority_required_role
from repayment_plans.calculator import PARTS, Schedule, add_months
from repayment_plans.models import (
    PLAN_MAX_MONTHS,
    AcceptanceMethod,
    ApprovalKind,
    ExpenseHead,
    IncomeStatement,
    Instalment,
    PlanBasis,
    PlanDecision,
    PlanKind,
    PlanStatus,
    RepaymentPlan,
)
from repayment_plans.plans import (
    NEGOTIATE_FROM,
    PlanConflict,
    PlanError,
    _activate,
    _plan_move,
    plan_preview,
)
from repayment_plans.selectors import plan_interest_rate
from staff.permissions import Capability, can, user_role

CENT = Decimal("0.01")
PROPOSED_BY_CARDHOLDER = stored_phrase("Proposed by the cardholder on their own page.")
PRE_APPROVED = stored_phrase("Within an offer a manager pre-approved on the policy page.")


@dataclass(frozen=True)
class CardholderStatement:
    """What the cardholder tells about their means when they ask for a plan beyond the offers."""

    monthly_income: Decimal
    expenses: dict[str, Decimal]  # by ExpenseHead
    dependants: int
    proposed_monthly: Decimal


def _their_own(actor, case: Case) -> None:
    if not (can(actor, Capability.SERVE_THEMSELVES) and actor.owns(case)):
        raise PlanError(_("This is not one of your cases."), code="not_allowed")


def _open_case(case: Case) -> Case:
    case = Case.objects.select_for_update().select_related("account__customer").get(pk=case.pk)
    if case.stage not in NEGOTIATE_FROM:
        raise PlanError(_("A plan can only be made for a case in collections."), code="case_not_open")
    return case


def _create(*, case: Case, kind: str, schedule: Schedule, waivers: dict, count: int, first_due_date: dt.date,
            required_role: str, basis: str, now: dt.datetime) -> RepaymentPlan:
    owed = schedule.owed
    try:
        with transaction.atomic():
            plan = RepaymentPlan.objects.create(
                case=case, kind=kind, status=PlanStatus.PENDING_APPROVAL, currency=case.currency,
                owed_principal=owed["principal"], owed_interest=owed["interest"], owed_fees=owed["fees"],
                owed_penalty=owed["penalty"], waived_amount=schedule.waived_total, total=schedule.total,
                instalment_count=count, first_due_date=first_due_date, months=schedule.months,
                required_role=required_role, within_proposer_authority=False, basis=basis,
                interest_rate=plan_interest_rate(account=case.account), proposed_by=None,
                proposed_by_label=CARDHOLDER_LABEL, proposed_at=now,
                proposed_on=now.astimezone(ZoneInfo(case.timezone_name)).date(),
                **{f"waive_{part}_percent": waivers.get(part, Decimal("0")) for part in PARTS})
    except IntegrityError as exc:
        raise PlanConflict(_("This case already has a plan in progress."), code="plan_in_progress") from exc
    Instalment.objects.bulk_create([Instalment(plan=plan, number=p.number, due_date=p.due_date, amount=p.amount)
                                    for p in schedule.payments])
    PlanDecision.objects.create(plan=plan, from_status="", to_status=PlanStatus.PENDING_APPROVAL, created_at=now,
                                reason=PROPOSED_BY_CARDHOLDER, actor=None, actor_label=CARDHOLDER_LABEL)
    return plan


def _to_negotiate(*, case: Case, actor, now: dt.datetime) -> Case:
    reason = gettext_noop("Repayment plan proposed: it awaits a decision and the cardholder's acceptance.")
    if case.stage in (Stage.CONFIRM, Stage.PLAN):
        case = case_transition(case=case, to=Stage.CONTACT, actor=actor, reason=reason, at=now)
    if case.stage != Stage.NEGOTIATE:
        case = case_transition(case=case, to=Stage.NEGOTIATE, actor=actor, reason=reason, at=now)
    return case


@transaction.atomic
def plan_agree_offer(*, case: Case, kind: str, waivers: dict[str, Decimal], count: int, first_due_date: dt.date,
                     approver, actor, offer: str, at: dt.datetime | None = None,
                     ip_address: str | None = None) -> RepaymentPlan:
    """The cardholder's plan on a pre-approved offer, active at once.

    `approver` is the manager who published the offer: their approval is the plan's second person
    (ApprovalKind.PRE_APPROVED_OFFER names them as decided_by), so the four-eyes setting is met. They must
    still approve plans and their authority must cover the schedule (PlanError otherwise). The caller has
    checked the cardholder's code and that `offer` (its code, for the audit) fits the case. The schedule is
    computed here from the case's amounts; nothing the cardholder sent is money. The case moves through
    negotiate to follow-up as for any plan agreed; all of it is audited with the offer.
    """
    now = at or timezone.now()
    _their_own(actor, case)
    limits = authority_limits()
    if approver is None or not can(approver, Capability.APPROVE_PLANS):
        raise PlanError(_("This offer is no longer approved by a manager."), code="offer_not_approved")
    case = _open_case(case)
    schedule = plan_preview(case=case, kind=kind, waivers=waivers, count=count, first_due_date=first_due_date, at=now)
    role = user_role(approver)
    if not authority_covers(limit=limits.get(role), schedule=schedule):
        raise PlanError(_("This offer is beyond the authority of the manager who approved it."),
                        code="beyond_authority")
    plan = _create(case=case, kind=kind, schedule=schedule, waivers=waivers, count=count,
                   first_due_date=first_due_date, required_role=role, basis="", now=now)
    audit_log(actor=actor, action="plan.proposed", obj=plan, case_id=case.pk, ip_address=ip_address,
              changes={"kind": kind, "total": str(schedule.total), "waived": str(schedule.waived_total),
                       "payments": count, "months": schedule.months, "offer": offer, "approver": approver.pk,
                       "link": getattr(actor, "link_id", None)})
    _to_negotiate(case=case, actor=actor, now=now)
    plan = _plan_move(plan=plan, to=PlanStatus.APPROVED, actor=actor, at=now, ip_address=ip_address,
                      reason=PRE_APPROVED, approval_kind=ApprovalKind.PRE_APPROVED_OFFER, decided_by=approver,
                      decided_at=now)
    return _activate(plan=plan, actor=actor, via=AcceptanceMethod.SELF_SERVICE, at=now, ip_address=ip_address)


def _statement_check(statement: CardholderStatement) -> None:
    def money(value, field):
        if not isinstance(value, Decimal) or not value.is_finite() or value < 0 or value != value.quantize(CENT):
            raise PlanError(_("An amount of money is zero or more, to the cent."), field=field)
    money(statement.monthly_income, "monthly_income")
    for head, value in statement.expenses.items():
        if head not in ExpenseHead.values:
            raise PlanError(_("Unknown kind of spending."), field="expenses")
        money(value, head)
    if not isinstance(statement.dependants, int) or not 0 <= statement.dependants <= 98:
        raise PlanError(_("Dependants are 0 to 98 people."), field="dependants")
    money(statement.proposed_monthly, "proposed_monthly")
    if statement.proposed_monthly <= 0:
        raise PlanError(_("Say how much you can pay each month."), field="proposed_monthly")
    # A plan the cardholder cannot keep up breaks, and a broken plan helps nobody: what they offer each month
    # comes out of what is left after the spending they have just told us about.
    left = statement.monthly_income - sum(statement.expenses.values(), Decimal("0.00"))
    if statement.proposed_monthly > left:
        raise PlanError(_("That is more than is left each month after the spending you told us about (%(left)s). "
                          "Propose what you can keep up, or tell us about hardship."),
                        params={"left": max(left, Decimal("0.00"))}, code="unaffordable", field="proposed_monthly")


@transaction.atomic
def plan_request_from_cardholder(*, case: Case, statement: CardholderStatement, actor, at: dt.datetime | None = None,
                                 ip_address: str | None = None) -> RepaymentPlan:
    """A plan the cardholder asks for beyond the offers: monthly instalments of about `proposed_monthly`
    (the amounts split evenly to the cent, at least two), first due a month from today, with their
    statement attached. It waits for the lowest role whose authority covers it, in the approvals list;
    after approval staff send the acceptance code as for any plan. The case moves to negotiate.
    PlanError beside the field at fault when the amount would take more than 60 months.
    """
    now = at or timezone.now()
    _their_own(actor, case)
    _statement_check(statement)
    case = _open_case(case)
    total = case.total_overdue_value()
    if statement.proposed_monthly * 2 > total:
        # A plan is two payments at least: an amount over half the debt is not one the plan could keep.
        raise PlanError(_("A plan spreads the debt over two months or more: propose at most %(most)s a month, or pay "
                          "what you owe (%(total)s) in one go."),
                        params={"most": (total / 2).quantize(CENT), "total": total}, code="over_half",
                        field="proposed_monthly")
    count = max(2, int((total / statement.proposed_monthly).to_integral_value(rounding=ROUND_UP)))
    if count > PLAN_MAX_MONTHS:
        least = (total / PLAN_MAX_MONTHS).quantize(CENT, rounding=ROUND_UP)
        raise PlanError(_("At this amount the debt would take more than %(max)s months. Propose at least "
                          "%(least)s a month, or call us."), params={"max": PLAN_MAX_MONTHS, "least": least},
                        code="beyond_60_months", field="proposed_monthly")
    today = now.astimezone(ZoneInfo(case.timezone_name)).date()
    first_due_date = add_months(today, 1)
    schedule = plan_preview(case=case, kind=PlanKind.INSTALMENTS, waivers={}, count=count,
                            first_due_date=first_due_date, at=now)
    required = authority_required_role(schedule=schedule)
    if required is None:
        raise PlanError(_("We cannot agree to this on the page. Please call us."), code="beyond_authority",
                        field="proposed_monthly")
    plan = _create(case=case, kind=PlanKind.INSTALMENTS, schedule=schedule, waivers={}, count=count,
                   first_due_date=first_due_date, required_role=required,
                   basis=PlanBasis.BEYOND_ABILITY_WILLING, now=now)
    debts = statement.expenses.get(ExpenseHead.DEBTS, Decimal("0.00"))
    spending = sum((value for head, value in statement.expenses.items() if head != ExpenseHead.DEBTS), Decimal("0.00"))
    IncomeStatement.objects.create(
        plan=plan, monthly_income=statement.monthly_income, income_sources=[],
        household_size=statement.dependants + 1, essential_spending=spending, other_debts=debts,
        expenses={head: str(value) for head, value in statement.expenses.items()}, dependants=statement.dependants,
        proposed_monthly=statement.proposed_monthly)
    audit_log(actor=actor, action="plan.proposed", obj=plan, case_id=case.pk, ip_address=ip_address,
              changes={"kind": PlanKind.INSTALMENTS, "total": str(schedule.total), "payments": count,
                       "months": schedule.months, "required_role": required,
                       "proposed_monthly": str(statement.proposed_monthly),
                       "disposable_income": str(statement.monthly_income - spending - debts),
                       "link": getattr(actor, "link_id", None)})
    _to_negotiate(case=case, actor=actor, now=now)
    return plan
