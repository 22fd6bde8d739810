"""The supervisors' exceptions list (cases waiting in confirm because a check failed) and its fixes."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import client_ip
from cases.access import visible_case_or_404
from cases.confirm import case_account_check_request, case_amounts_confirm, confirm_check_labels, confirm_exceptions
from cases.forms import ContactPointForm
from cases.lifecycle import Stage
from cases.selectors import cases_visible_to
from core.errors import DomainError
from core.feedback import action_done
from escalation.exceptions import confirm_exception_contact_point_add, confirm_exception_dispute_open
from escalation.forms import ConfirmNoteForm, DisputeForm
from escalation.selectors import case_plan
from staff.permissions import Capability, can

FORMS = {"contact-point": ContactPointForm, "amounts": ConfirmNoteForm, "dispute": DisputeForm,
         "core-check": ConfirmNoteForm}


def _may_fix(request) -> None:
    if not can(request.user, Capability.FIX_CONFIRM_EXCEPTIONS):
        raise PermissionDenied


@login_required
def exceptions_list(request):
    """The cases waiting in confirm because a check failed, the longest-waiting first."""
    _may_fix(request)
    cases = list(confirm_exceptions(queryset=cases_visible_to(user=request.user))[:200])
    return render(request, "escalation/exceptions.html", {
        "rows": [(case, confirm_check_labels(case)) for case in cases]})


def _forms(bound: dict | None = None) -> dict:
    forms = {name: form(prefix=name, auto_id=f"{name}-%s") for name, form in FORMS.items()}
    forms.update(bound or {})
    forms["amounts"].fields["note"].help_text = _("Why the amounts stand as reported; kept on the case and audited.")
    forms["core-check"].fields["note"].help_text = _("What the core system should look at.")
    return forms


def _page(request, case, *, bound: dict | None = None, status: int = 200):
    return render(request, "escalation/exception_fix.html", {
        "case": case, "checks": confirm_check_labels(case),
        **{f"{name.replace('-', '_')}_form": form for name, form in _forms(bound).items()},
        "waiting": case.stage == Stage.CONFIRM and bool(case.confirm_exceptions)}, status=status)


@login_required
def exception_fix(request, case_id: int):
    _may_fix(request)
    return _page(request, visible_case_or_404(request, case_id))


@login_required
@require_POST
def exception_fix_apply(request, case_id: int, fix: str):
    """Apply one fix. The case leaves the list when every check passes; a refused fix keeps what was typed."""
    _may_fix(request)
    case = visible_case_or_404(request, case_id)
    if fix not in FORMS:
        raise PermissionDenied
    form = FORMS[fix](request.POST, prefix=fix, auto_id=f"{fix}-%s")
    if form.is_valid():
        data, ip = form.cleaned_data, client_ip(request)
        try:
            if fix == "contact-point":
                still = confirm_exception_contact_point_add(case=case, actor=request.user, ip_address=ip, **data)
            elif fix == "dispute":
                still = confirm_exception_dispute_open(case=case, actor=request.user, ip_address=ip, **data)
            elif fix == "amounts":
                still = case_amounts_confirm(case=case, actor=request.user, note=data["note"],
                                             ip_address=ip).confirm_exceptions
            else:
                case_account_check_request(case=case, actor=request.user, note=data["note"], ip_address=ip)
                return action_done(request, _("The core system was asked to check the account. The case waits "
                                              "for its answer."), "escalation:exception-fix", case_id=case.pk)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            if still:
                return action_done(request, _("Fixed. The case still fails a check."), "escalation:exception-fix",
                                   case_id=case.pk)
            return action_done(request, _("Fixed: case #%(id)s passes the confirm checks. The next escalation pass "
                                          "places it in plan.") % {"id": case.pk}, "escalation:exceptions")
    return _page(request, case, bound={fix: form}, status=400)


def plan_panel_context(request, case) -> dict:
    """The case page's plan panel: tier, strategy, owner and the next actions with their dates."""
    return {"plan": case_plan(case=case)}
