"""Field visits in the browser: the case panel's request, a field agent's day and visit, the supervisor's board.

Every write goes through visits.services; what a user may see comes from visits.selectors.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import audit_log, client_ip
from cases.panels import case_page_refused
from cases.selectors import cases_visible_to
from contacts.services import ContactNotPermitted
from core.errors import DomainError
from core.feedback import action_done
from core.masking import mask
from core.uploads import private_file_response
from staff.models import Role
from staff.permissions import Capability, can, user_role
from visits.forms import (
    AutoAssignForm,
    CancelForm,
    CheckInForm,
    VisitAssignForm,
    VisitReportForm,
    VisitRequestForm,
    field_agents,
)
from visits.models import VisitDocument, VisitStatus
from visits.selectors import (
    visit_map_url,
    visits_counts_by_status,
    visits_for_day,
    visits_load,
    visits_outcomes_by_region,
    visits_overdue,
    visits_to_plan,
    visits_visible_to,
    visits_withdrawn_from_day,
)
from visits.services import (
    visit_assign,
    visit_cancel,
    visit_check_in,
    visit_complete,
    visit_request,
    visits_auto_assign,
    visits_needing_two_agents,
)


def _refusal(exc: DomainError) -> str:
    return exc.message


# --- the case page's panel --------------------------------------------------------------------------------

def case_panel_context(request, case, form=None) -> dict:
    return {"case_visits": visits_visible_to(user=request.user).filter(case=case).order_by("-created_at")[:5],
            "visit_request_form": form or VisitRequestForm(auto_id="vr-%s"),
            "may_request_visit": can(request.user, Capability.REQUEST_VISITS) and case.is_open}


@login_required
@require_POST
def request_create(request, case_id: int):
    case = cases_visible_to(user=request.user).filter(pk=case_id).first()
    if case is None:
        raise Http404
    form = VisitRequestForm(request.POST, auto_id="vr-%s")
    if form.is_valid():
        try:
            visit_request(case=case, actor=request.user, ip_address=client_ip(request), **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return action_done(request, _("Field visit requested; it waits on the supervisor's board."),
                               "cases:detail", case_id=case.pk)
    context = {"case": case, **case_panel_context(request, case, form)}
    return case_page_refused(request, case, partial="visits/partials/case_panel.html", context=context)


# --- a field agent's day ----------------------------------------------------------------------------------

@login_required
def my_day(request):
    """Today's visits of the signed-in field agent, in route order, each with a map link."""
    if user_role(request.user) != Role.FIELD_AGENT:
        raise PermissionDenied
    day = timezone.localdate()
    visits = visits_for_day(user=request.user, day=day)
    for visit in visits:
        visit.map_url = visit_map_url(visit)
    return render(request, "visits/day.html", {"day": day, "visits": visits,
                                               "withdrawn": visits_withdrawn_from_day(user=request.user, day=day)})


def _visible_visit(request, visit_id: int):
    visit = visits_visible_to(user=request.user).filter(pk=visit_id).first()
    if visit is None:
        raise Http404
    return visit


def _detail(request, visit, *, check_in_form=None, report_form=None, error=None, status=200):
    mine = request.user.pk in (visit.assigned_to_id, visit.second_agent_id)
    return render(request, "visits/detail.html", {
        "visit": visit, "case": visit.case, "mine": mine, "map_url": visit_map_url(visit) if mine else "",
        # Only the agents who go there need the full address; everyone else sees it masked.
        "address": visit.address if mine else mask(visit.address, 6),
        "check_in_form": check_in_form or CheckInForm(auto_id="ci-%s"),
        "report_form": report_form or VisitReportForm(auto_id="vf-%s"),
        "documents": visit.documents.order_by("created_at"), "error": error,
        "report": getattr(visit, "report", None) if visit.status == VisitStatus.COMPLETED else None,
    }, status=status)


@login_required
def visit_detail(request, visit_id: int):
    return _detail(request, _visible_visit(request, visit_id))


@login_required
@require_POST
def check_in(request, visit_id: int):
    visit = _visible_visit(request, visit_id)
    form = CheckInForm(request.POST, auto_id="ci-%s")
    if form.is_valid():
        try:
            visit_check_in(visit=visit, actor=request.user, ip_address=client_ip(request), **form.cleaned_data)
        except DomainError as exc:
            return _detail(request, visit, check_in_form=form, error=_refusal(exc), status=400)
        return action_done(request, _("Checked in at %(time)s.") % {
            "time": timezone.localtime(visit.checked_in_at).strftime("%H:%M")}, "visits:detail", visit_id=visit.pk)
    return _detail(request, visit, check_in_form=form, status=400)


@login_required
@require_POST
def complete(request, visit_id: int):
    visit = _visible_visit(request, visit_id)
    form = VisitReportForm(request.POST, request.FILES, auto_id="vf-%s")
    if form.is_valid():
        data = dict(form.cleaned_data)
        documents = data.pop("documents")
        try:
            visit_complete(visit=visit, actor=request.user, report=data, documents=documents,
                           ip_address=client_ip(request))
        except DomainError as exc:
            if exc.field in form.fields:
                form.add_domain_error(exc)
                return _detail(request, visit, report_form=form, status=400)
            return _detail(request, visit, report_form=form, error=_refusal(exc), status=400)
        messages.success(request, _("Visit report saved."))
        return redirect("visits:detail", visit_id=visit.pk)
    return _detail(request, visit, report_form=form, status=400)


@login_required
def document_download(request, visit_id: int, document_id: int):
    """Files are never public: only those who see the visit get them, and each look is audited."""
    visit = _visible_visit(request, visit_id)
    document = get_object_or_404(VisitDocument, pk=document_id, visit=visit)
    audit_log(actor=request.user, action="visit.document_viewed", obj=document, case_id=visit.case_id,
              ip_address=client_ip(request))
    return private_file_response(file=document.file, content_type=document.content_type,
                                 filename=f"visit-{visit.pk}-{document.pk}")


# --- the supervisor's board -------------------------------------------------------------------------------

def _require_planner(request):
    if not can(request.user, Capability.PLAN_VISITS):
        raise PermissionDenied


def _suggested_agents(visit, agents, load: dict[int, int], count: int) -> list:
    """The least-loaded field agents of the visit's region, as many as policy asks for."""
    region = visit.region.strip()
    local = sorted((user for user in agents if user.profile.region.strip() == region),
                   key=lambda user: (load.get(user.pk, 0), user.get_username()))
    return local[:count]


@login_required
def board(request, assign_forms=None, cancel_forms=None, refusals=None, auto_form=None, status=200):
    """Visits by status, overdue ones, outcomes by region; requests to assign and visits to reassign.

    A refused form comes back bound to what was typed (`assign_forms`, `cancel_forms` by visit id), with
    the governor's refusal (`refusals`) above it.
    """
    _require_planner(request)
    visits = visits_visible_to(user=request.user)
    outcomes = visits_outcomes_by_region(queryset=visits)
    from visits.models import VisitOutcome

    pending = list(visits_to_plan(queryset=visits)[:100])
    agents = field_agents()
    today = timezone.localdate()
    two = visits_needing_two_agents(visits=pending)
    load = visits_load(day=today)
    for visit in pending:
        visit.needs_two = visit.pk in two
        initial = {"agent": visit.assigned_to_id, "second_agent": visit.second_agent_id,
                   "day": visit.scheduled_for or today}
        if visit.assigned_to_id is None:
            # Offer the region's least-loaded agents, two of them when policy asks for two.
            suggested = _suggested_agents(visit, agents, load, 2 if visit.needs_two else 1)
            initial.update(zip(("agent", "second_agent"), (user.pk for user in suggested), strict=False))
        visit.assign_form = (assign_forms or {}).get(visit.pk) or VisitAssignForm(
            auto_id=f"va{visit.pk}-%s", agents=agents, initial=initial)
        if visit.needs_two:
            visit.assign_form.fields["second_agent"].widget.attrs["required"] = True
        visit.assign_error = (refusals or {}).get(visit.pk)
        visit.cancel_form = (cancel_forms or {}).get(visit.pk) or CancelForm(auto_id=f"vc{visit.pk}-%s")
    return render(request, "visits/board.html", {
        "counts": visits_counts_by_status(queryset=visits),
        "overdue": visits_overdue(queryset=visits)[:50],
        "outcome_labels": VisitOutcome.choices,
        "outcomes": [(region, [row.get(code, 0) for code, _label in VisitOutcome.choices])
                     for region, row in outcomes.items()],
        "pending": pending,
        "auto_form": auto_form or AutoAssignForm(auto_id="aa-%s", initial={"day": today}),
    }, status=status)


@login_required
@require_POST
def assign(request, visit_id: int):
    _require_planner(request)
    visit = _visible_visit(request, visit_id)
    form = VisitAssignForm(request.POST, auto_id=f"va{visit.pk}-%s")
    refusal = None
    if form.is_valid():
        try:
            visit_assign(visit=visit, actor=request.user, ip_address=client_ip(request), **form.cleaned_data)
        except ContactNotPermitted as exc:
            refusal = _refusal(exc)
        except DomainError as exc:
            if exc.field in form.fields:
                form.add_domain_error(exc)
            else:
                refusal = _refusal(exc)
        else:
            agents = ", ".join(user.get_username() for user in visit.agents())
            return action_done(request, _("Visit #%(id)s assigned to %(agents)s.") % {"id": visit.pk, "agents": agents},
                               "visits:board")
    return board(request, assign_forms={visit.pk: form}, refusals={visit.pk: refusal} if refusal else None,
                 status=400)


@login_required
@require_POST
def auto_assign(request):
    _require_planner(request)
    form = AutoAssignForm(request.POST, auto_id="aa-%s")
    if not form.is_valid():
        return board(request, auto_form=form, status=400)
    assigned, skipped = visits_auto_assign(actor=request.user, **form.cleaned_data)
    messages.success(request, _("%(n)s visits assigned.") % {"n": len(assigned)})
    for visit, why in skipped:
        messages.warning(request, _("Visit %(id)s not assigned: %(why)s") % {"id": visit.pk, "why": why})
    return redirect("visits:board")


@login_required
@require_POST
def cancel(request, visit_id: int):
    _require_planner(request)
    visit = _visible_visit(request, visit_id)
    form = CancelForm(request.POST, auto_id=f"vc{visit.pk}-%s")
    if form.is_valid():
        try:
            visit_cancel(visit=visit, actor=request.user, reason=form.cleaned_data["reason"],
                         ip_address=client_ip(request))
        except DomainError as exc:
            return board(request, cancel_forms={visit.pk: form}, refusals={visit.pk: _refusal(exc)}, status=400)
        return action_done(request, _("Visit #%(id)s cancelled.") % {"id": visit.pk}, "visits:board")
    return board(request, cancel_forms={visit.pk: form}, status=400)
