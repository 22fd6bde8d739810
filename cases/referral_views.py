"""Pages for referrals: the case page's panel for agents, and the supervisor's list of open referrals."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from audit.services import client_ip
from cases.access import workable_case_or_403
from cases.forms import DomainErrorFormMixin
from cases.models import Referral
from cases.panels import case_form_answer
from cases.referrals import referral_decide, referral_raise, referrals_open
from core.errors import DomainError
from core.feedback import action_done
from staff.permissions import Capability, can, can_work_cases


class ReferralForm(DomainErrorFormMixin, forms.Form):
    reason = forms.CharField(label=_("What should the supervisor look at?"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(DomainErrorFormMixin, forms.Form):
    decision = forms.CharField(label=_("Decision"), max_length=2000)


def referral_panel_context(request, case, form=None) -> dict:
    return {"case": case, "open_referral": case.referrals.filter(status=Referral.Status.OPEN).first(),
            "referral_form": form or ReferralForm(auto_id="rf-%s"), "can_work": can_work_cases(request.user)}


@login_required
@require_POST
def referral_create(request, case_id: int):
    case = workable_case_or_403(request, case_id)

    def act(data):
        referral_raise(case=case, actor=request.user, reason=data["reason"], ip_address=client_ip(request))
        return gettext("Escalated: a supervisor will look at the case.")

    return case_form_answer(request, case, ReferralForm(request.POST, auto_id="rf-%s"), act=act,
                            partial="cases/partials/referral_panel.html",
                            context=lambda form: referral_panel_context(request, case, form))


@login_required
def referral_list(request):
    if not can(request.user, Capability.DECIDE_REFERRALS):
        raise PermissionDenied
    return render(request, "cases/referrals.html", {"referrals": referrals_open(user=request.user)})


@login_required
@require_POST
def referral_decision(request, referral_id: int):
    if not can(request.user, Capability.DECIDE_REFERRALS):
        raise PermissionDenied
    referral = referrals_open(user=request.user).filter(pk=referral_id).first()
    if referral is None:
        raise Http404
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            referral_decide(referral=referral, actor=request.user, decision=form.cleaned_data["decision"],
                            ip_address=client_ip(request))
            return action_done(request, gettext("Referral on case #%(id)s decided.") % {"id": referral.case_id},
                               "cases:referrals")
        except DomainError as exc:
            form.add_domain_error(exc)
    errors = [message for messages in form.errors.values() for message in messages]
    return render(request, "cases/referrals.html",
                  {"referrals": referrals_open(user=request.user), "errors": {referral.pk: errors},
                   "typed": {referral.pk: request.POST.get("decision", "")}}, status=400)
