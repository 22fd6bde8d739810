"""The contact panel of the case page: the governor's verdict before a call, and logging the outcome."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from audit.services import client_ip
from cases.access import workable_case_or_403
from cases.contact_points import wrong_number_hashes
from cases.models import ContactPoint
from cases.panels import case_page_refused
from cases.queue import queue_claim_next
from cases.selectors import case_contact_points
from contacts.callbacks import callback_schedule
from contacts.forms import AttemptForm, ExceptionForm
from contacts.governor import (
    RULE_LABELS,
    breach_text,
    governor_check,
    governor_profile_for,
    governor_profiles,
    reason_text,
)
from contacts.messages import message_render, validation_notice_due
from contacts.models import Channel, DelinquencyReason
from contacts.selectors import (
    case_contact_exceptions,
    case_conversation_without_reason,
    case_delivery_problems,
    case_recent_breaches,
)
from contacts.services import (
    ContactNotPermitted,
    Recording,
    contact_attempt_log,
    contact_attempt_reason_set,
    contact_exception_grant,
)
from core.crypto import pii_hash
from core.errors import DomainError
from core.feedback import action_done
from core.masking import mask
from staff.permissions import Capability, can, can_work_cases


def _numbers(case) -> dict[str, tuple[str, ContactPoint | None]]:
    """The numbers staff may dial, keyed for the form: the cardholder's own, then their contact points.
    A number reported wrong (on any point, or the cardholder's own) or replaced by the core system is not
    offered."""
    customer = case.account.customer
    wrong = wrong_number_hashes(customer=customer)
    numbers = {"primary": (customer.phone, None)} if customer.phone and customer.phone_hash not in wrong else {}
    numbers.update({f"other-{i}": (number, None) for i, number in enumerate(customer.other_phones or [])
                    if number and pii_hash(number) not in wrong})
    for point in case_contact_points(customer=customer):
        if point.phone and point.is_usable and point.phone_hash not in wrong:
            numbers[f"point-{point.pk}"] = (point.phone, point)
    return numbers


def _number_label(number: str, point: ContactPoint | None) -> str:
    if point is None:
        return mask(number)
    who = point.get_kind_display() if not point.relationship else f"{point.get_kind_display()}, {point.relationship}"
    return f"{mask(number)} ({who})"


def attempt_form(request, case, data=None) -> AttemptForm:
    numbers = _numbers(case)
    choices = [(key, _number_label(number, point)) for key, (number, point) in numbers.items()]
    third_party = frozenset(key for key, (_number, point) in numbers.items() if point and point.is_third_party)
    return AttemptForm(data, numbers=choices, third_party=third_party, auto_id="ca-%s")


def _validation_notice(case) -> dict:
    """Where the profile asks for one (US), the validation notice as the cardholder will read it."""
    if not governor_profile_for(tz_name=case.account.customer.timezone,
                                profiles=governor_profiles()).validation_notice_first:
        return {}
    return {"validation_notice": message_render(case=case, channel=Channel.EMAIL, validation_notice=True),
            "validation_notice_due": validation_notice_due(case=case, channel=Channel.EMAIL)}


def contact_panel_context(request, case, form=None, exception_form=None) -> dict:
    # A closed case is contacted no more: there is no verdict to give.
    verdict = governor_check(case=case, channel=Channel.CALL, by_staff=True) if case.is_open else None
    may_authorise = can(request.user, Capability.AUTHORISE_CONTACT_EXCEPTIONS)
    return {"case": case, "attempt_form": form or attempt_form(request, case),
            "call_verdict": verdict,
            "call_reasons": [(RULE_LABELS.get(f["rule"], f["rule"]), reason_text(f)) for f in verdict.failed]
            if verdict else [],
            "call_warnings": [reason_text(warning) for warning in verdict.warnings] if verdict else [],
            **_validation_notice(case),
            "exceptions": case_contact_exceptions(case=case),
            "exception_form": (exception_form or ExceptionForm(auto_id="ce-%s")) if may_authorise else None,
            "breaches": [(attempt, breach_text(attempt.breached_rules)) for attempt in case_recent_breaches(case=case)],
            "delinquency_reasons": DelinquencyReason.choices,
            "reason_missing": case_conversation_without_reason(case=case),
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


def _logged_message(attempt) -> str:
    if attempt.breached_rules:
        rules = breach_text(attempt.breached_rules).lower()
        return _("Contact logged. It broke the contact rules (%(rules)s): it is recorded as a breach and "
                 "compliance sees it.") % {"rules": rules}
    if attempt.exception_id:
        return _("Contact logged under the exception a supervisor authorised.")
    return _("Contact logged.")


@login_required
@require_POST
def attempt_create(request, case_id: int):
    case = workable_case_or_403(request, case_id)
    form = attempt_form(request, case, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        number, point = _numbers(case).get(data["number"], ("", None))
        try:
            with transaction.atomic():
                attempt = contact_attempt_log(
                    case=case, channel=data["channel"], actor=request.user, result=data["result"],
                    direction=data["direction"], occurred_at=data["occurred_at"], number=number,
                    contact_point=point, to_third_party=data["third_party"], notes=data["notes"],
                    delinquency_reason=data["delinquency_reason"], callback_requested=data["callback_at"] is not None,
                    recording=Recording(ref=data["recording_ref"]) if data["recording_ref"] else None,
                )
                if data["callback_at"] is not None:
                    callback_schedule(case=case, actor=request.user, due_at=data["callback_at"], note=data["notes"],
                                      ip_address=client_ip(request))
        except ContactNotPermitted as exc:  # the callback asked for is not permitted then
            form.add_error("callback_at", exc.message)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            if request.POST.get("next") and not attempt.breached_rules:
                return _next_case(request, after=case)
            message = _logged_message(attempt)
            if data["callback_at"] is not None:
                message = f"{message} {_('The callback is scheduled.')}"
            level = messages.WARNING if attempt.breached_rules else messages.SUCCESS
            return action_done(request, message, "cases:detail", case_id=case.pk, level=level)
    context = contact_panel_context(request, case, form)
    return case_page_refused(request, case, partial="contacts/partials/contact_panel.html", context=context)


@login_required
@require_POST
def exception_create(request, case_id: int):
    case = workable_case_or_403(request, case_id)
    if not can(request.user, Capability.AUTHORISE_CONTACT_EXCEPTIONS):
        raise PermissionDenied
    form = ExceptionForm(request.POST, auto_id="ce-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            contact_exception_grant(case=case, actor=request.user, reason=data["reason"], hours=data["hours"],
                                    single_use=data["single_use"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return action_done(request, _("Exception authorised: a contact inside it is not a breach."),
                               "cases:detail", case_id=case.pk)
    context = contact_panel_context(request, case, exception_form=form)
    return case_page_refused(request, case, partial="contacts/partials/contact_panel.html", context=context)


@login_required
@require_POST
def attempt_reason(request, case_id: int, attempt_id: int):
    """The reason for the delinquency, when a conversation the telephony system recorded lacks one."""
    case = workable_case_or_403(request, case_id)
    try:
        contact_attempt_reason_set(case=case, attempt_id=attempt_id, actor=request.user,
                                   reason=request.POST.get("delinquency_reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("cases:detail", case_id=case.pk)
    return action_done(request, _("Reason for the delinquency recorded."), "cases:detail", case_id=case.pk)
