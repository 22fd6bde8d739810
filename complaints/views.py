import csv
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from audit.services import audit_log, client_ip
from cases.access import workable_case_or_403
from cases.panels import case_form_answer
from cases.selectors import cases_visible_to
from complaints.forms import ComplaintForm, RegisterFilterForm, ResolveForm
from complaints.models import Complaint, Status
from complaints.selectors import complaints_of_case, complaints_register
from complaints.services import complaint_open, complaint_resolve
from core.errors import DomainError
from core.feedback import action_done
from core.redirects import safe_next_url
from core.spreadsheets import spreadsheet_row
from staff.permissions import can_release_holds, can_work_cases

EXPORT_COLUMNS = [
    (_l("Entry"), lambda c: c.pk), (_l("Kind"), lambda c: c.get_kind_display()), (_l("Case"), lambda c: c.case_id),
    (_l("Category"), lambda c: c.get_category_display()), (_l("Received through"), lambda c: c.get_channel_display()),
    (_l("Received"), lambda c: c.received_at.isoformat()), (_l("Answer due"), lambda c: c.sla_due_at.isoformat()),
    (_l("Status"), lambda c: c.get_status_display()), (_l("Opened by"), lambda c: c.opened_by_label),
    (_l("Description"), lambda c: c.description),
    (_l("Resolved at"), lambda c: c.resolved_at.isoformat() if c.resolved_at else ""),
    (_l("Resolved by"), lambda c: c.resolved_by_label), (_l("Resolution"), lambda c: c.resolution),
]


@login_required
def complaint_list(request):
    """The register: open and resolved complaints and disputes, searchable, a page at a time or as CSV."""
    if not can_release_holds(request.user):
        raise PermissionDenied
    form = RegisterFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = complaints_register(user=request.user, status=filters.get("status", ""), query=filters.get("q", ""))
    if request.GET.get("export") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([str(label) for label, _read in EXPORT_COLUMNS])
        for complaint in entries.iterator(chunk_size=500):
            writer.writerow(spreadsheet_row(read(complaint) for _label, read in EXPORT_COLUMNS))
        audit_log(actor=request.user, action="complaints.exported", obj=request.user.profile,
                  changes={"status": filters.get("status", ""), "query": filters.get("q", "")},
                  ip_address=client_ip(request))
        # A byte-order mark so spreadsheet programs read Chinese text as UTF-8.
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="complaints-{timezone.localdate().isoformat()}.csv"'
        return response
    now = timezone.now()
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    for complaint in page:
        complaint.age_days = ((complaint.resolved_at or now) - complaint.received_at).days
        complaint.late = complaint.status == Status.OPEN and complaint.sla_due_at < now
    query = request.GET.copy()
    query.pop("page", None)
    query["export"] = "csv"
    return render(request, "complaints/list.html", {"form": form, "page": page, "export_query": query.urlencode()})


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

    def act(data):
        complaint = complaint_open(case=case, actor=request.user, ip_address=client_ip(request), **data)
        return _("%(kind)s registered; the case is on hold until it is resolved.") % {
            "kind": complaint.get_kind_display()}

    return case_form_answer(request, case, ComplaintForm(request.POST, auto_id="cf-%s"), act=act,
                            partial="complaints/partials/case_panel.html",
                            context=lambda form: case_panel_context(request, case, form))


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
            return action_done(request, _("%(kind)s #%(id)s resolved; its hold on case #%(case)s is released.") % {
                "kind": complaint.get_kind_display(), "id": complaint.pk, "case": complaint.case_id},
                safe_next_url(request, request.POST.get("next"), "complaints:list"))
        except DomainError as exc:
            form.add_domain_error(exc)
    return render(request, "complaints/resolve.html", {"complaint": complaint, "form": form}, status=400)
