"""The contact panel of the case page: the governor's verdict before a call, and logging the outcome."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from audit.services import client_ip
from cases.access import workable_case_or_403
from cases.queue import queue_claim_next
from contacts.callbacks import callback_schedule
from contacts.forms import AttemptForm
from contacts.governor import RULE_LABELS, governor_check, reason_text
from contacts.models import Channel
from contacts.selectors import case_delivery_problems
from contacts.services import ContactNotPermitted, contact_attempt_log
from core.errors import DomainError
from core.feedback import action_done
from core.masking import mask
from staff.permissions import Capability, can, can_work_cases


def _numbers(case) -> dict[str, str]:
    customer = case.account.customer
    numbers = {"primary": customer.phone} if customer.phone else {}
    numbers.update({f"other-{i}": number for i, number in enumerate(customer.other_phones or []) if number})
    return numbers


def attempt_form(request, case, data=None) -> AttemptForm:
    choices = [(key, mask(number)) for key, number in _numbers(case).items()]
    return AttemptForm(data, numbers=choices, may_override=can(request.user, Capability.OVERRIDE_CONTACT_RULES),
                       auto_id="ca-%s")


def contact_panel_context(request, case, form=None, refused=None) -> dict:
    verdict = governor_check(case=case, channel=Channel.CALL)
    return {"case": case, "attempt_form": form or attempt_form(request, case),
            "call_verdict": verdict,
            "call_reasons": [(RULE_LABELS.get(f["rule"], f["rule"]), reason_text(f)) for f in verdict.failed],
            "refused": refused,
            "delivery_problems": list(case_delivery_problems(case=case)),
            "can_work": can_work_cases(request.user)}


def _next_case(request, *, after):
    """Save and next: the outcome is logged; let go of this case and open the next one the queue hands out."""
    following = queue_claim_next(user=request.user, after=after)
    if following is None:
        messages.info(request, _("Outcome logged. Your queue is empty: nothing left to claim."))
        url = reverse("cases:queue")
    else:
        messages.success(request, _("Outcome logged on case #%(id)s.") % {"id": after.pk})
        url = reverse("cases:detail", args=[following.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_POST
def attempt_create(request, case_id: int):
    case = workable_case_or_403(request, case_id)
    form = attempt_form(request, case, request.POST)
    refused = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                contact_attempt_log(
                    case=case, channel=data["channel"], actor=request.user, result=data["result"],
                    number=_numbers(case).get(data["number"], ""), to_third_party=data["third_party"],
                    notes=data["notes"], callback_requested=data["callback_at"] is not None,
                    override_reason=data.get("override_reason", ""),
                )
                if data["callback_at"] is not None:
                    callback_schedule(case=case, actor=request.user, due_at=data["callback_at"], note=data["notes"],
                                      ip_address=client_ip(request))
        except ContactNotPermitted as exc:
            refused = exc.verdict
            form.add_error(None, exc.message)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            if request.POST.get("next"):
                return _next_case(request, after=case)
            if data.get("override_reason"):
                message = _("Override recorded: the contact is logged and reported to compliance as a breach.")
            elif data["callback_at"] is not None:
                message = _("Contact logged; the callback is scheduled.")
            else:
                message = _("Contact logged.")
            return action_done(request, message, "cases:detail", case_id=case.pk)
    context = contact_panel_context(request, case, form, refused)
    return render(request, "contacts/partials/contact_panel.html", context, status=200 if request.htmx else 400)
