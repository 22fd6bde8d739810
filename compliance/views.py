
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from audit.actions import audit_action_label, audit_object_label
from audit.selectors import audit_actions, audit_search
from audit.services import audit_log, client_ip
from cases.models import Customer
from compliance.cardholder_file import cardholder_file_build, cardholder_file_name, cardholder_find
from compliance.selectors import breaches_search, breaches_summary
from contacts.governor import RULE_LABELS, breach_text, reason_text
from core.forms import BoundedDateField, records_window
from core.spreadsheets import csv_stream
from staff.models import Team
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
        header = ["time", "actor", "action", "object_type", "object_id", "case_id", "changes", "reason", "ip_address"]
        rows = ([r.at.isoformat(), r.actor_label, r.action, r.object_type, r.object_id, r.case_id or "",
                 r.changes, r.reason, r.ip_address or ""] for r in records.iterator(chunk_size=2000))
        return csv_stream(filename="audit-trail.csv", header=header, rows=rows)
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    for record in page:
        record.action_label = audit_action_label(record.action)
        record.object_label = audit_object_label(record.object_type)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "audit/trail.html", {"form": form, "page": page}, status=status)


# --- contact-rule breaches ----------------------------------------------------------------------------------

class BreachFilterForm(forms.Form):
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    agent = forms.CharField(label=_("Agent (login)"), required=False, max_length=150)
    team = forms.ModelChoiceField(label=_("Team"), required=False, queryset=Team.objects.order_by("name"),
                                  empty_label=_("Any"))
    date_from = BoundedDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                 **records_window())
    date_to = BoundedDateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                               **records_window())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", _("Any"))] + [(code, label) for code, label in RULE_LABELS.items()]

    def search_filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        team = data.get("team")
        return {"rule": data.get("rule") or "", "agent": data.get("agent") or "",
                "team_id": team.pk if team else None, "date_from": data.get("date_from"),
                "date_to": data.get("date_to")}


def _require(request, capability: Capability) -> None:
    if not can(request.user, capability):
        raise PermissionDenied


@login_required
def breaches(request):
    """The breaches register: contacts the record holds as made against the contact rules, counted by rule,
    agent, team and day, each one open to its verdict, and exported as CSV."""
    _require(request, Capability.READ_AUDIT)
    form = BreachFilterForm(request.GET or None)
    filters = form.search_filters()
    zone = timezone.get_current_timezone()
    found = breaches_search(tz=zone, **filters)
    if request.GET.get("export") == "csv" and form.is_valid():
        audit_log(actor=request.user, action="breaches.exported", obj=request.user, ip_address=client_ip(request),
                  changes={k: str(v) for k, v in filters.items() if v})
        header = ["time", "attempt_id", "case_id", "team", "agent", "channel", "direction", "result", "rules",
                  "breach", "reasons", "recording_ref"]
        rows = ([timezone.localtime(a.occurred_at).isoformat(), a.pk, a.case_id, str(a.case.assigned_team or ""),
                 a.actor_label, a.channel, a.direction, a.result, " ".join(a.breached_rules),
                 breach_text(a.breached_rules), " | ".join(reason_text(f) for f in a.verdict.get("failed", [])),
                 a.recording_ref] for a in found.iterator(chunk_size=2000))
        return csv_stream(filename="contact-rule-breaches.csv", header=header, rows=rows)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    for attempt in page:
        attempt.rules_text = breach_text(attempt.breached_rules)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "compliance/breaches.html",
                  {"form": form, "page": page, "summary": breaches_summary(breaches=found, tz=zone)}, status=status)


@login_required
def breach_detail(request, pk: int):
    """One breach: the attempt, the rules it broke with the figures of the moment, and its case."""
    _require(request, Capability.READ_AUDIT)
    attempt = get_object_or_404(breaches_search().select_related("exception", "customer"), pk=pk)
    reasons = [(RULE_LABELS.get(f.get("rule"), f.get("rule")), reason_text(f))
               for f in attempt.verdict.get("failed", [])]
    return render(request, "compliance/breach.html", {
        "attempt": attempt, "reasons": reasons, "rules_text": breach_text(attempt.breached_rules),
        "can_build_file": can(request.user, Capability.BUILD_CARDHOLDER_FILE)})


# --- the cardholder's file --------------------------------------------------------------------------------

class CardholderSearchForm(forms.Form):
    q = forms.CharField(label=_("Cardholder id or national id"), max_length=64)


@login_required
def cardholders(request):
    """Find a cardholder by the core system's id or national id, to build their file."""
    _require(request, Capability.BUILD_CARDHOLDER_FILE)
    form = CardholderSearchForm(request.GET or None)
    customer = cardholder_find(form.cleaned_data["q"]) if form.is_valid() else None
    if form.is_valid():
        audit_log(actor=request.user, action="case.searched", obj=request.user, ip_address=client_ip(request),
                  changes={"by": "cardholder_file", "found": customer.pk if customer else None})
        if customer is None:
            form.add_error("q", _("No cardholder has that id."))
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "compliance/cardholders.html", {"form": form, "customer": customer}, status=status)


@login_required
@require_POST
def cardholder_file(request, pk: int):
    """Build the cardholder's file and download it; the build is audited."""
    _require(request, Capability.BUILD_CARDHOLDER_FILE)
    customer = get_object_or_404(Customer, pk=pk)
    now = timezone.now()
    built = cardholder_file_build(customer=customer, actor=request.user, ip_address=client_ip(request), now=now)
    response = HttpResponse(built.zip_bytes, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{cardholder_file_name(customer, now)}"'
    response["Cache-Control"] = "no-store"
    return response
