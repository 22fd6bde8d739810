from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import client_ip
from cases.access import workable_case_or_403
from cases.selectors import cases_visible_to
from complaints.forms import ComplaintForm, ResolveForm
from complaints.models import Complaint
from complaints.selectors import complaints_of_case, complaints_open
from complaints.services import complaint_open, complaint_resolve
from core.errors import DomainError
from core.feedback import action_done
from staff.permissions import can_release_holds, can_work_cases


@login_required
def complaint_list(request):
    if not can_release_holds(request.user):
        raise PermissionDenied
    now = timezone.now()
    rows = [(c, (now - c.received_at).days, c.sla_due_at < now) for c in complaints_open(user=request.user)[:500]]
    return render(request, "complaints/list.html", {"rows": rows, "resolve_form": ResolveForm()})


def case_panel_context(request, case, form=None) -> dict:
    return {
        "case": case,
        "complaints": complaints_of_case(case=case),
        "complaint_form": form or ComplaintForm(auto_id="cf-%s"),
        "can_resolve": can_release_holds(request.user),
        "can_work": can_work_cases(request.user),
    }


@login_required
@require_POST
def complaint_create(request, case_id: int):
    case = workable_case_or_403(request, case_id)
    form = ComplaintForm(request.POST, auto_id="cf-%s")
    if form.is_valid():
        try:
            complaint = complaint_open(case=case, actor=request.user, ip_address=client_ip(request),
                                       **form.cleaned_data)
            return action_done(request, _("%(kind)s registered; the case is on hold until it is resolved.") % {
                "kind": complaint.get_kind_display()}, "cases:detail", case_id=case.pk)
        except DomainError as exc:
            form.add_domain_error(exc)
    status = 200 if request.htmx else 400
    return render(request, "complaints/partials/case_panel.html", case_panel_context(request, case, form),
                  status=status)


@login_required
@require_POST
def complaint_resolve_view(request, complaint_id: int):
    if not can_release_holds(request.user):
        raise PermissionDenied
    complaint = Complaint.objects.filter(pk=complaint_id, case__in=cases_visible_to(user=request.user)).first()
    if complaint is None:
        raise Http404
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            complaint_resolve(complaint=complaint, resolution=form.cleaned_data["resolution"], actor=request.user,
                              ip_address=client_ip(request))
            next_url = request.POST.get("next", "")
            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = "complaints:list"
            return action_done(request, _("%(kind)s #%(id)s resolved; its hold on case #%(case)s is released.") % {
                "kind": complaint.get_kind_display(), "id": complaint.pk, "case": complaint.case_id}, next_url)
        except DomainError as exc:
            form.add_domain_error(exc)
    return render(request, "complaints/resolve.html", {"complaint": complaint, "form": form}, status=400)
