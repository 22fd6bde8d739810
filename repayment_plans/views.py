"""The negotiation panel of the case page (promises, the plan calculator, proposals, acceptance) and the
approvals queue. Every write goes through repayment_plans' services; htmx requests get the panel back."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit.services import audit_log, client_ip
from cases.access import workable_case_or_403
from cases.panels import PAGE, case_page_context, case_page_refused
from cases.selectors import cases_visible_to
from core.errors import DomainError
from core.feedback import action_done
from repayment_plans.affordability import affordability_of
from repayment_plans.agreement import LANGUAGES, agreement_pdf
from repayment_plans.calculator import add_months
from repayment_plans.forms import CodeForm, DecisionForm, PlanForm, PromiseForm, SignedCopyForm
from repayment_plans.models import PlanStatus, RepaymentPlan
from repayment_plans.plans import (
    plan_accept_with_code,
    plan_accept_with_signed_copy,
    plan_acceptance_code_send,
    plan_approve,
    plan_cancel,
    plan_may_approve,
    plan_preview,
    plan_propose,
    plan_reject,
)
from repayment_plans.promises import promise_take
from repayment_plans.selectors import (
    case_plans,
    case_promises,
    plans_awaiting_approval,
    write_offs_awaiting_approval,
)
from staff.permissions import can_work_cases

PANEL = "repayment_plans/partials/negotiation_panel.html"




def _visible_plan(request, plan_id: int) -> RepaymentPlan:
    plan = get_object_or_404(RepaymentPlan.objects.select_related("case__account__customer"), pk=plan_id)
    if not cases_visible_to(user=request.user).filter(pk=plan.case_id).exists():
        raise Http404
    return plan


def negotiation_panel_context(request, case, **forms) -> dict:
    today = timezone.localdate()
    plans = case_plans(case=case)
    # Forms are shown only to those who may use them: compliance reads the panel but negotiates nothing.
    can_work = can_work_cases(request.user)
    for plan in plans:
        plan.may_decide = plan_may_approve(plan=plan, user=request.user)
        plan.may_withdraw = (can_work and plan.status in (PlanStatus.PENDING_APPROVAL, PlanStatus.APPROVED)
                             and not plan.may_decide)
    return {
        "case": case,
        "can_negotiate": can_work,
        "promises": case_promises(case=case)[:5],
        "plans": plans[:5],
        "promise_form": forms.get("promise_form") or PromiseForm(auto_id="np-%s"),
        "plan_form": forms.get("plan_form") or PlanForm(auto_id="pp-%s",
                                                        initial={"first_due_date": add_months(today, 1)}),
        "preview": forms.get("preview"),
        "affordability": forms.get("affordability"),
        "decision_form": DecisionForm(auto_id=False),
        "code_form": forms.get("code_form") or CodeForm(auto_id=False),
        "recordings_required": settings.RECORDINGS_REQUIRED_FOR_AGREEMENTS,
        "plan_errors": forms.get("plan_errors") or {},
        "plan_typed": forms.get("plan_typed") or {},
        # The cardholder's own language first: the agreement they sign is in it.
        "agreement_languages": sorted(LANGUAGES, key=lambda language: language != case.account.customer.language),
    }


def _refused(request, case, **forms):
    """A refused form: the panel (htmx) or the whole page, bound to what was typed, with its errors."""
    return case_page_refused(request, case, partial=PANEL, context=negotiation_panel_context(request, case, **forms))


@login_required
@require_POST
def promise_create(request, case_id: int):
    case = workable_case_or_403(request, case_id)
    form = PromiseForm(request.POST, auto_id="np-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            promise = promise_take(case=case, amount=data["amount"], due_date=data["due_date"],
                                   channel=data["channel"], actor=request.user, note=data["note"],
                                   recording_ref=data["recording_ref"], recording_sha256=data["recording_sha256"],
                                   ip_address=client_ip(request))
            return action_done(request, _("Promise to pay of %(amount)s %(currency)s by %(date)s recorded.") % {
                "amount": promise.amount, "currency": promise.currency, "date": promise.due_date.isoformat()},
                "cases:detail", case_id=case.pk)
        except DomainError as exc:
            form.add_domain_error(exc)
    return _refused(request, case, promise_form=form)


@login_required
@require_POST
def plan_create(request, case_id: int):
    """The calculator ("preview") and the proposal ("propose") share one form, so the schedule is seen first."""
    case = workable_case_or_403(request, case_id)
    form = PlanForm(request.POST, auto_id="pp-%s")
    preview = None
    if form.is_valid():
        data = form.cleaned_data
        terms = {"kind": data["kind"], "waivers": form.waivers(), "count": data["count"],
                 "first_due_date": data["first_due_date"]}
        try:
            preview = plan_preview(case=case, **terms)
            if request.POST.get("action") == "propose":
                plan = plan_propose(case=case, actor=request.user, terms=data["terms"], basis=data["basis"],
                                    statement=form.statement(), shortfall_reason=data["shortfall_reason"],
                                    ip_address=client_ip(request), **terms)
                if plan.status == PlanStatus.APPROVED:
                    message = _("Plan #%(id)s proposed and approved within your authority.") % {"id": plan.pk}
                elif plan.within_proposer_authority:
                    message = _("Plan #%(id)s proposed; within your authority, it still waits for a second "
                                "person's approval.") % {"id": plan.pk}
                else:
                    message = _("Plan #%(id)s proposed; it waits for approval.") % {"id": plan.pk}
                return action_done(request, message, "cases:detail", case_id=case.pk)
        except DomainError as exc:
            form.add_domain_error(exc)
    affordability = affordability_of(statement=form.statement(), schedule=preview) if preview else None
    if not form.is_valid():
        # A refused proposal keeps its schedule and figures in view, beside the errors.
        return _refused(request, case, plan_form=form, preview=preview, affordability=affordability)
    # The calculator's schedule is no refusal: the panel (htmx) or the whole page, answered 200.
    context = negotiation_panel_context(request, case, plan_form=form, preview=preview, affordability=affordability)
    if request.htmx:
        return render(request, PANEL, {**case_page_context(request, case), **context})
    return render(request, PAGE, case_page_context(request, case, context))


@login_required
@require_POST
def plan_decide(request, plan_id: int):
    plan = _visible_plan(request, plan_id)
    form = DecisionForm(request.POST)
    decision = request.POST.get("decision")
    decide = {"approve": plan_approve, "reject": plan_reject, "withdraw": plan_cancel}.get(decision)
    if decide is None:
        raise Http404
    error = None
    if form.is_valid():
        try:
            decide(plan=plan, actor=request.user, reason=form.cleaned_data["reason"], ip_address=client_ip(request))
        except DomainError as exc:
            error = exc.message
    else:
        error = " ".join(form.errors.get("reason", []))
    from_approvals = request.POST.get("next") == "approvals"
    if error:
        if from_approvals:
            return approvals_page(request, errors={plan.pk: error},
                                  typed={plan.pk: request.POST.get("reason", "")}, status=400)
        return _refused(request, plan.case, plan_errors={plan.pk: error},
                        plan_typed={plan.pk: request.POST.get("reason", "")})
    message = {"approve": _("Plan #%(id)s approved."), "reject": _("Plan #%(id)s rejected."),
               "withdraw": _("Plan #%(id)s withdrawn.")}[decision] % {"id": plan.pk}
    if from_approvals:
        return action_done(request, message, "repayment_plans:approvals")
    return action_done(request, message, "cases:detail", case_id=plan.case_id)


@login_required
@require_GET
def plan_agreement(request, plan_id: int, language: str):
    plan = _visible_plan(request, plan_id)
    if language not in LANGUAGES:
        raise Http404
    if plan.status not in (PlanStatus.APPROVED, PlanStatus.ACTIVE, PlanStatus.COMPLETED, PlanStatus.BROKEN):
        raise PermissionDenied("Only an approved plan has an agreement.")
    pdf = agreement_pdf(plan=plan, language=language)
    audit_log(actor=request.user, action="plan.agreement_downloaded", obj=plan, case_id=plan.case_id,
              changes={"language": language}, ip_address=client_ip(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="agreement-{plan.pk}-{language}.pdf"'
    return response


@login_required
@require_POST
def plan_code_send(request, plan_id: int):
    plan = _visible_plan(request, plan_id)
    if not can_work_cases(request.user):
        raise PermissionDenied
    try:
        plan_acceptance_code_send(plan=plan, actor=request.user, ip_address=client_ip(request))
        return action_done(request, _("Acceptance code for plan #%(id)s sent by SMS.") % {"id": plan.pk},
                           "cases:detail", case_id=plan.case_id)
    except DomainError as exc:
        return _refused(request, plan.case, plan_errors={plan.pk: exc.message})


@login_required
@require_POST
def plan_code_accept(request, plan_id: int):
    plan = _visible_plan(request, plan_id)
    if not can_work_cases(request.user):
        raise PermissionDenied
    form = CodeForm(request.POST, auto_id=False)
    if form.is_valid():
        try:
            plan_accept_with_code(plan=plan, code=form.cleaned_data["code"], actor=request.user,
                                  recording_ref=form.cleaned_data["recording_ref"],
                                  recording_sha256=form.cleaned_data["recording_sha256"],
                                  ip_address=client_ip(request))
            return action_done(request, _("Plan #%(id)s accepted: it is now active.") % {"id": plan.pk},
                               "cases:detail", case_id=plan.case_id)
        except DomainError as exc:
            form.add_domain_error(exc)
    return _refused(request, plan.case, code_form=form)


@login_required
@require_POST
def plan_signed_copy(request, plan_id: int):
    plan = _visible_plan(request, plan_id)
    if not can_work_cases(request.user):
        raise PermissionDenied
    form = SignedCopyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            plan_accept_with_signed_copy(plan=plan, upload=form.cleaned_data["signed_copy"], actor=request.user,
                                         ip_address=client_ip(request))
            return action_done(request, _("Plan #%(id)s accepted: it is now active.") % {"id": plan.pk},
                               "cases:detail", case_id=plan.case_id)
        except DomainError as exc:
            form.add_domain_error(exc)
    errors = " ".join(" ".join(e) for e in form.errors.values())
    return _refused(request, plan.case, plan_errors={plan.pk: errors})


def approvals_page(request, errors=None, typed=None, write_off_errors=None, write_off_typed=None, status=200):
    """The approvals page: plans, then write-offs, each answered on its row when refused."""
    return render(request, "repayment_plans/approvals.html", {
        "plans": plans_awaiting_approval(user=request.user), "errors": errors or {}, "typed": typed or {},
        "write_offs": write_offs_awaiting_approval(user=request.user),
        "write_off_errors": write_off_errors or {}, "write_off_typed": write_off_typed or {},
        "decision_form": DecisionForm(auto_id=False)}, status=status)


@login_required
@require_GET
def approvals(request):
    """Plans and write-offs beyond their proposer's authority (or under four eyes) that the signed-in user may
    approve or reject."""
    return approvals_page(request)
