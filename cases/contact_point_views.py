"""The contact points panel of the case page: the cardholder's numbers masked, adding one, marking one wrong."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import client_ip
from cases.access import workable_case_or_403
from cases.contact_points import contact_point_add, contact_point_mark_wrong, number_mark_wrong, wrong_number_hashes
from cases.forms import ContactPointForm, WrongNumberForm
from cases.models import ContactPoint
from cases.panels import case_form_answer, case_page_refused
from cases.selectors import case_contact_points
from core.errors import DomainError
from core.feedback import action_done
from core.masking import mask
from staff.permissions import can_work_cases

PARTIAL = "cases/partials/contact_points_panel.html"


def contact_points_panel_context(request, case, *, point_form=None, wrong_errors=None, wrong_typed=None) -> dict:
    """Each number masked, with its wrong mark; a refused "mark wrong" keeps its error and what was typed."""
    customer = case.account.customer
    wrong = wrong_number_hashes(customer=customer)
    wrong_errors, wrong_typed = wrong_errors or {}, wrong_typed or {}

    def row(key, **values):
        return {"key": key, "errors": wrong_errors.get(key, []), "typed": wrong_typed.get(key, ""), **values}

    return {
        "primary_number": row("primary", phone=mask(customer.phone),
                              wrong=customer.phone_hash in wrong) if customer.phone else None,
        "contact_points": [row(str(point.pk), point=point, phone=mask(point.phone) if point.phone else "",
                               address=mask(point.address, 6) if point.address else "",
                               wrong=point.wrong_at is not None or point.phone_hash in wrong)
                           for point in case_contact_points(customer=customer)],
        "point_form": point_form or ContactPointForm(auto_id="cp-%s"),
        "can_work": can_work_cases(request.user),
    }


@login_required
@require_POST
def contact_point_create(request, case_id: int):
    case = workable_case_or_403(request, case_id)

    def act(data):
        contact_point_add(customer=case.account.customer, actor=request.user, case_id=case.pk,
                          ip_address=client_ip(request), **data)
        return _("Contact point added.")

    return case_form_answer(request, case, ContactPointForm(request.POST, auto_id="cp-%s"), act=act, partial=PARTIAL,
                            context=lambda form: contact_points_panel_context(request, case, point_form=form))


@login_required
@require_POST
def contact_point_wrong(request, case_id: int, point_id: int | None = None):
    """Mark a point wrong, or (without a point) the cardholder's own number on file."""
    case = workable_case_or_403(request, case_id)
    customer = case.account.customer
    point = get_object_or_404(ContactPoint, pk=point_id, customer=customer) if point_id is not None else None
    key = str(point_id) if point is not None else "primary"
    form = WrongNumberForm(request.POST)
    if form.is_valid():
        try:
            if point is not None:
                contact_point_mark_wrong(point=point, actor=request.user, reason=form.cleaned_data["reason"],
                                         case_id=case.pk, ip_address=client_ip(request))
            else:
                number_mark_wrong(customer=customer, number=customer.phone, actor=request.user,
                                  reason=form.cleaned_data["reason"], case_id=case.pk, ip_address=client_ip(request))
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return action_done(request, _("Number marked wrong: it is no longer offered or dialled."), "cases:detail",
                               case_id=case.pk)
    context = contact_points_panel_context(request, case, wrong_errors={key: [str(e) for e in form.errors.get(
        "reason", [])] + [str(e) for e in form.non_field_errors()]}, wrong_typed={key: request.POST.get("reason", "")})
    return case_page_refused(request, case, partial=PARTIAL, context=context)
