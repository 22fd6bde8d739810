"""The write-off panel of the case page (propose, decide, and what a closed case was written off for) and the
write-off decisions from the approvals page. Every write goes through repayment_plans.write_offs."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import client_ip
from cases.access import visible_case_or_404
from cases.lifecycle import Stage
from cases.panels import case_page_refused
from cases.selectors import cases_visible_to
from core.errors import DomainError
from core.feedback import action_done
from repayment_plans.authority import authority_limits, write_off_limit, write_off_required_role
from repayment_plans.forms import DecisionForm, WriteOffForm
from repayment_plans.models import WriteOff, WriteOffStatus
from repayment_plans.selectors import case_write_offs, case_written_off
from repayment_plans.views import approvals_page
from repayment_plans.write_offs import (
    WRITE_OFF_FROM,
    write_off_amounts,
    write_off_approve,
    write_off_check_case,
    write_off_may_approve,
    write_off_propose,
    write_off_reject,
    write_off_withdraw,
)
from staff.models import Role
from staff.permissions import Capability, can, user_role

PANEL = "repayment_plans/partials/write_off_panel.html"


def write_off_panel_visible(request, case) -> bool:
    """Those who propose or approve write-offs see the panel; everyone else once the case has a write-off."""
    return (can(request.user, Capability.PROPOSE_WRITE_OFFS) or can(request.user, Capability.APPROVE_WRITE_OFFS)
            or WriteOff.objects.filter(case=case).exists())


def _role_label(role: str) -> str:
    return Role(role).label if role in Role.values else role


def write_off_panel_context(request, case, form=None, errors=None, typed=None) -> dict:
    write_offs = case_write_offs(case=case)
    written_off = case_written_off(case=case)
    pending = next((w for w in write_offs if w.status == WriteOffStatus.PENDING_APPROVAL), None)
    if pending is not None:
        pending.may_decide = write_off_may_approve(write_off=pending, user=request.user)
        pending.may_withdraw = not pending.may_decide and (
            pending.proposed_by_id == request.user.pk or can(request.user, Capability.PROPOSE_WRITE_OFFS))
    may_propose = (case.is_open and pending is None and case.stage in WRITE_OFF_FROM
                   and can(request.user, Capability.PROPOSE_WRITE_OFFS))
    proposal = None
    if may_propose:
        try:
            write_off_check_case(case=case)
        except DomainError as exc:
            # Said before anyone types a reason: the case cannot be written off as it stands.
            may_propose, blocked = False, exc.message
        else:
            blocked = ""
    else:
        blocked = ""
    if may_propose:
        # What the proposal would be, and whose authority it needs, before anyone presses the button.
        amounts = write_off_amounts(case=case)
        limits = authority_limits()
        own = write_off_limit(limit=limits.get(user_role(request.user)), currency=case.currency)
        required = write_off_required_role(amount=amounts["total"], currency=case.currency, limits=limits)
        proposal = {"amounts": amounts, "own_limit": own,
                    "within": own is not None and amounts["total"] <= own,
                    "required_label": _role_label(required) if required else None}
    return {
        "case": case,
        "written_off": written_off,
        "pending_write_off": pending,
        # Rejected, withdrawn, and any written off before the case was reopened.
        "earlier_write_offs": [w for w in write_offs if w != written_off and w != pending][:3],
        "may_propose_write_off": may_propose,
        "write_off_blocked": blocked,
        "write_off_proposal": proposal,
        "write_off_stages": [Stage(stage).label for stage in Stage.values if stage in WRITE_OFF_FROM],
        "write_off_form": form or WriteOffForm(auto_id="wo-%s"),
        "write_off_decision_form": DecisionForm(auto_id=False),
        "write_offs_four_eyes": settings.WRITE_OFFS_NEED_SECOND_PERSON,
        "write_off_errors": errors or {},
        "write_off_typed": typed or {},
    }


def _refused(request, case, **kwargs):
    return case_page_refused(request, case, partial=PANEL, context=write_off_panel_context(request, case, **kwargs))


@login_required
@require_POST
def write_off_create(request, case_id: int):
    case = visible_case_or_404(request, case_id)
    if not can(request.user, Capability.PROPOSE_WRITE_OFFS):
        raise PermissionDenied
    form = WriteOffForm(request.POST, auto_id="wo-%s")
    if form.is_valid():
        try:
            write_off = write_off_propose(case=case, actor=request.user, reason=form.cleaned_data["reason"],
                                          ip_address=client_ip(request))
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            values = {"amount": write_off.total, "currency": write_off.currency}
            if write_off.status == WriteOffStatus.APPROVED:
                message = _("Written off within your authority: %(amount)s %(currency)s. The case is closed.")
            elif write_off.within_proposer_authority:
                message = _("Write-off of %(amount)s %(currency)s proposed; within your authority, it still waits "
                            "for a second person's approval.")
            else:
                message = _("Write-off of %(amount)s %(currency)s proposed; it waits for approval.")
            return action_done(request, message % values, "cases:detail", case_id=case.pk)
    return _refused(request, case, form=form)


@login_required
@require_POST
def write_off_decide(request, write_off_id: int):
    write_off = get_object_or_404(WriteOff.objects.select_related("case__account__customer"), pk=write_off_id)
    if not cases_visible_to(user=request.user).filter(pk=write_off.case_id).exists():
        raise Http404
    decision = request.POST.get("decision")
    decide = {"approve": write_off_approve, "reject": write_off_reject, "withdraw": write_off_withdraw}.get(decision)
    if decide is None:
        raise Http404
    form = DecisionForm(request.POST)
    error = None
    if form.is_valid():
        try:
            decide(write_off=write_off, actor=request.user, reason=form.cleaned_data["reason"],
                   ip_address=client_ip(request))
        except DomainError as exc:
            error = exc.message
    else:
        error = " ".join(form.errors.get("reason", []))
    from_approvals = request.POST.get("next") == "approvals"
    typed = {write_off.pk: request.POST.get("reason", "")}
    if error:
        if from_approvals:
            return approvals_page(request, write_off_errors={write_off.pk: error}, write_off_typed=typed, status=400)
        return _refused(request, write_off.case, errors={write_off.pk: error}, typed=typed)
    message = {"approve": _("Write-off #%(id)s approved: the case is closed as written off."),
               "reject": _("Write-off #%(id)s rejected."),
               "withdraw": _("Write-off #%(id)s withdrawn.")}[decision] % {"id": write_off.pk}
    if from_approvals:
        return action_done(request, message, "repayment_plans:approvals")
    return action_done(request, message, "cases:detail", case_id=write_off.case_id)
