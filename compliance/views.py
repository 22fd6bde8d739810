import csv

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.actions import audit_action_label, audit_object_label
from audit.selectors import audit_actions, audit_search
from audit.services import audit_log, client_ip
from core.forms import BoundedDateField, records_window
from core.spreadsheets import spreadsheet_row
from staff.permissions import Capability, can


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor (login)"), required=False, max_length=150)
    case_id = forms.IntegerField(label=_("Case"), required=False, min_value=1)
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = BoundedDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                 **records_window())
    date_to = BoundedDateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               **records_window())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("Any"))] + [(a, audit_action_label(a)) for a in audit_actions()]


class _Echo:
    def write(self, value):
        return value


@login_required
def audit_trail(request):
    """Compliance searches the audit trail and exports what it found (personal data is already masked)."""
    if not can(request.user, Capability.READ_AUDIT):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    records = audit_search(tz=timezone.get_current_timezone(), **{k: v for k, v in filters.items() if v})
    if request.GET.get("export") == "csv" and form.is_valid():
        audit_log(actor=request.user, action="audit.exported", obj=request.user, ip_address=client_ip(request),
                  changes={k: str(v) for k, v in filters.items() if v})
        writer = csv.writer(_Echo())
        header = ["time", "actor", "action", "object_type", "object_id", "case_id", "changes", "reason", "ip_address"]
        rows = ([r.at.isoformat(), r.actor_label, r.action, r.object_type, r.object_id, r.case_id or "",
                 r.changes, r.reason, r.ip_address or ""] for r in records.iterator(chunk_size=2000))
        response = StreamingHttpResponse((writer.writerow(spreadsheet_row(row)) for row in [header, *rows]),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
        return response
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    for record in page:
        record.action_label = audit_action_label(record.action)
        record.object_label = audit_object_label(record.object_type)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "audit/trail.html", {"form": form, "page": page}, status=status)
