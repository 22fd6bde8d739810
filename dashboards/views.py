import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from audit.services import client_ip
from cases.lifecycle import Stage
from cases.selectors import cases_in_bucket, cases_visible_to
from contacts.models import Channel, ContactStatus, ScheduledContact
from core.errors import DomainError
from core.feedback import action_done
from dashboards.filters import DashboardFilters, teams_in_scope
from dashboards.forms import (
    CapacityForm,
    DraftJSONField,
    FilterForm,
    PolicyDraftForm,
    ReassignForm,
    ReviewDecisionForm,
    tomorrow_morning,
)
from dashboards.models import PolicyPreview
from dashboards.pages import PAGE_CODES, PAGES, page_tables
from dashboards.policy_preview import (
    policy_definition_parse,
    policy_preview_placements,
    policy_preview_request,
    policy_preview_rows,
    policy_preview_stalled,
)
from dashboards.services import (
    case_reassign,
    cases_reassign_bulk,
    policy_draft_activate,
    team_assignment_set,
    team_capacity_set,
)
from escalation.models import Policy
from escalation.policy import policies_in_force, policy_definition
from escalation.review import legal_review_accept, legal_review_decline
from staff.permissions import Capability, can

DRAFT_KEY = "policy_draft"
# Compliance reads the dashboards (complaints and breaches sit beside productivity) but manages nothing.
VIEW = Capability.VIEW_DASHBOARDS
MANAGE = Capability.MANAGE_TEAMS


def _require(request, capability: Capability) -> None:
    if not can(request.user, capability):
        raise PermissionDenied


@login_required
def dashboard(request, page: str = "portfolio"):
    _require(request, VIEW)
    if page not in PAGE_CODES:
        raise Http404
    form = FilterForm(request.GET or None, user=request.user)
    if request.GET and not form.is_valid():
        return render(request, "dashboards/page.html", {"form": form, "pages": PAGES, "page": page, "tables": []},
                      status=400)
    if not request.GET:
        default = DashboardFilters.default()
        form = FilterForm({"start": default.start, "end": default.end, "currency": default.currency},
                          user=request.user)
        form.is_valid()
    filters = form.filters()
    tables = page_tables(page=page, user=request.user, filters=filters)
    export = request.GET.get("export")
    if export:
        from core.tables import csv_response, xlsx_response

        name = f"{page}-{filters.start}-{filters.end}"
        if export == "xlsx":
            shown = [(str(form.fields[k].label), str(v)) for k, v in form.cleaned_data.items() if v not in (None, "")]
            return xlsx_response(tables=tables, filename=name, filters=shown)
        table = next((t for t in tables if t.code == request.GET.get("table")), None)
        if export != "csv" or table is None:
            raise Http404
        return csv_response(table=table, filename=f"{name}-{table.code}")
    query = request.GET.copy()
    query.pop("export", None)
    query.pop("table", None)
    charts = [{"code": t.code, "data": json.loads(json.dumps(t.chart_data(), cls=DjangoJSONEncoder))}
              for t in tables]
    return render(request, "dashboards/page.html", {
        "form": form, "pages": PAGES, "page": page, "tables": tables, "charts": charts,
        "query": query.urlencode(), "can_manage": can(request.user, MANAGE),
    })


# --- management ---------------------------------------------------------------------------------------------

def _bulk_cases(visible, filters):
    cases = visible.exclude(stage=Stage.CLOSED)
    if filters.get("from_team"):
        cases = cases.filter(assigned_team=filters["from_team"])
    if filters.get("from_agent"):
        cases = cases.filter(assigned_agent=filters["from_agent"])
    if filters.get("stage"):
        cases = cases.filter(stage=filters["stage"])
    if filters.get("bucket"):
        cases = cases_in_bucket(bucket=filters["bucket"], queryset=cases)
    return cases


@login_required
def reassign(request):
    _require(request, MANAGE)
    form = ReassignForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            visible = cases_visible_to(user=request.user)
            try:
                if d.get("case_id"):
                    case = visible.filter(pk=d["case_id"]).exclude(stage=Stage.CLOSED).first()
                    if case is None:
                        raise DomainError(_("No open case with that number is in your view."), field="case_id")
                    case_reassign(case=case, team=d["to_team"], agent=d.get("to_agent"), actor=request.user,
                                  reason=d["reason"], ip_address=client_ip(request))
                    return action_done(request, _("Case %(id)s reassigned.") % {"id": case.pk}, "dashboards:reassign")
                cases = _bulk_cases(visible, d)
                count = cases.count()
                if count == 0:
                    raise DomainError(_("No open case in your view matches these filters."), field="case_id")
                # Nothing moves in bulk until the supervisor has seen how many cases match and confirmed
                # that number; if it changed meanwhile, they see the new number first.
                if request.POST.get("confirm_count") != str(count):
                    return render(request, "dashboards/reassign.html", {
                        "form": form, "confirm_count": count, "sample": cases.order_by("pk")[:10],
                        "count_changed": bool(request.POST.get("confirm_count"))})
                moved = cases_reassign_bulk(cases=cases, team=d["to_team"], agent=d.get("to_agent"),
                                            actor=request.user, reason=d["reason"], ip_address=client_ip(request))
                return action_done(request, _("%(n)s cases reassigned.") % {"n": moved}, "dashboards:reassign")
            except DomainError as exc:
                form.add_error({"agent": "to_agent", "case_id": "case_id", "reason": "reason"}.get(exc.field),
                               exc.message)
    return render(request, "dashboards/reassign.html", {"form": form}, status=status)


@login_required
def teams(request):
    _require(request, MANAGE)
    in_scope = teams_in_scope(user=request.user)
    forms_by_team, status = {}, 200
    if request.method == "POST":
        team = in_scope.filter(pk=request.POST.get("team")).first()
        if team is None:
            raise Http404
        form = CapacityForm(request.POST, prefix=f"t{team.pk}")
        if form.is_valid():
            if form.cleaned_data["capacity"] != team.capacity:
                team_capacity_set(team=team, capacity=form.cleaned_data["capacity"], actor=request.user,
                                  ip_address=client_ip(request))
            team_assignment_set(team=team, assigns_by_load=form.cleaned_data["assigns_by_load"], actor=request.user,
                                ip_address=client_ip(request))
            messages.success(request, _("Settings of %(team)s saved.") % {"team": team.name})
            return redirect("dashboards:teams")
        forms_by_team[team.pk], status = form, 400
    rows = [(team, forms_by_team.get(team.pk) or CapacityForm(prefix=f"t{team.pk}",
                                                             initial={"capacity": team.capacity,
                                                                      "assigns_by_load": team.assigns_by_load}))
            for team in in_scope]
    return render(request, "dashboards/teams.html", {"rows": rows}, status=status)


def _reviews(user):
    return (ScheduledContact.objects.filter(channel=Channel.LEGAL_REVIEW, status=ContactStatus.SCHEDULED,
                                            case__in=cases_visible_to(user=user))
            .select_related("case", "case__assigned_team").order_by("due_at"))


@login_required
def reviews(request):
    _require(request, MANAGE)
    errors, status = {}, 200
    if request.method == "POST":
        contact = _reviews(request.user).filter(pk=request.POST.get("review")).first()
        if contact is None:
            raise Http404
        form = ReviewDecisionForm(request.POST, prefix=f"r{contact.pk}")
        if form.is_valid():
            decide = legal_review_accept if form.cleaned_data["decision"] == "accept" else legal_review_decline
            try:
                decide(contact=contact, actor=request.user, reason=form.cleaned_data["reason"])
                decided = (_("Case #%(id)s referred to legal.") if form.cleaned_data["decision"] == "accept"
                           else _("Case #%(id)s kept in collections.")) % {"id": contact.case_id}
                return action_done(request, decided, request.get_full_path())
            except DomainError as exc:
                form.add_domain_error(exc)
        errors[contact.pk], status = form, 400
    page = Paginator(_reviews(request.user), 25).get_page(request.GET.get("page"))
    rows = [(c, errors.get(c.pk) or ReviewDecisionForm(prefix=f"r{c.pk}")) for c in page]
    return render(request, "dashboards/reviews.html", {"rows": rows, "page": page}, status=status)


def _preview_context(preview: PolicyPreview | None) -> dict:
    return {"preview": preview, "preview_rows": policy_preview_rows(preview=preview) if preview else None,
            "preview_placements": policy_preview_placements(preview=preview) if preview else None,
            "preview_stalled": policy_preview_stalled(preview=preview) if preview else False}


@login_required
def policy(request):
    _require(request, MANAGE)
    champion = Policy.objects.get(is_default=True)
    as_of = tomorrow_morning()
    preview, status = None, 200
    if request.method == "POST":
        form = PolicyDraftForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                if request.POST.get("action") == "activate":
                    definition = policy_definition_parse(data=form.cleaned_data["definition"])
                    version = policy_draft_activate(policy=champion, definition=definition, actor=request.user,
                                                    note=form.cleaned_data["note"], ip_address=client_ip(request))
                    messages.success(request, _("Version %(n)s is now in force.") % {"n": version.number})
                    return redirect("dashboards:policy")
                preview = policy_preview_request(policy=champion, data=form.cleaned_data["definition"],
                                                 actor=request.user, as_of=as_of)
                # The page shown with the preview keeps the draft as typed and the note.
                request.session[DRAFT_KEY] = {"preview": preview.pk, "definition": request.POST.get("definition", ""),
                                              "note": form.cleaned_data["note"]}
                return redirect(f"{reverse('dashboards:policy')}?preview={preview.pk}")
            except DomainError as exc:
                form.add_domain_error(exc)
    else:
        preview = _requested_preview(request)
        typed = request.session.get(DRAFT_KEY) or {}
        if preview is not None and typed.get("preview") == preview.pk:
            form = PolicyDraftForm(initial={"definition": DraftJSONField.as_typed(typed["definition"]),
                                            "note": typed["note"]})
        elif preview is not None:
            form = PolicyDraftForm(initial={"definition": DraftJSONField.as_typed(
                json.dumps(preview.definition, indent=2, ensure_ascii=False))})
        else:
            current = policies_in_force(as_of=as_of).champion
            form = PolicyDraftForm(initial={"definition": DraftJSONField.as_typed(json.dumps(
                policy_definition(version=current), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False))})
    return render(request, "dashboards/policy.html", {"form": form, "as_of": preview.as_of if preview else as_of,
                                                      "policy": champion, **_preview_context(preview)},
                  status=status)


def _requested_preview(request) -> PolicyPreview | None:
    key = request.GET.get("preview", "")
    return PolicyPreview.objects.filter(pk=int(key)).first() if key.isdigit() else None


@login_required
def policy_preview_status(request, pk: int):
    """The preview's card alone: htmx asks for it every few seconds until the preview is done."""
    _require(request, MANAGE)
    preview = get_object_or_404(PolicyPreview, pk=pk)
    return render(request, "dashboards/partials/policy_preview.html", _preview_context(preview))

