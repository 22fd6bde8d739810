"""The case pages. Every write goes through cases.services; htmx requests get a partial back."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import audit_log, client_ip
from cases.access import visible_case_or_404, workable_case_or_403
from cases.forms import (
    CaseFilterForm,
    CaseSearchForm,
    HoldDecisionForm,
    HoldForm,
    HoldReleaseForm,
    NoteForm,
    PreferenceForm,
    QueueFilterForm,
    RevealForm,
)
from cases.holds import hold_max_days, hold_request_approve, hold_request_create, hold_request_refuse
from cases.lifecycle import APPROVED_HOLD_KINDS, REGISTER_HOLD_KINDS
from cases.models import PREFERENCE_CHANNELS, Case, CaseHold, HoldRequest, PreferenceSource
from cases.panels import PAGE, case_form_answer, case_page_context, case_page_refused
from cases.personal_data import REVEALABLE, case_personal_data_reveal
from cases.preferences import customer_preference_history, customer_preferences, preference_state
from cases.queue import (
    queue_claim_next,
    queue_counts,
    queue_for_agent,
    queue_on_hold,
    queue_reason_since,
    queue_reasons,
)
from cases.search import RESULTS_LIMIT, cases_search
from cases.selectors import (
    case_active_holds,
    case_pending_hold_requests,
    cases_in_bucket,
    cases_visible_to,
    hold_requests_pending,
    specialist_cases,
)
from cases.services import case_hold_place, case_hold_release, case_note_add
from core.errors import DomainError, Forbidden
from core.feedback import action_done
from core.uploads import private_file_response
from staff.models import Language
from staff.permissions import Capability, can, can_release_holds, can_work_cases


@login_required
def case_list(request):
    form = CaseFilterForm(request.GET or None)
    cases = cases_visible_to(user=request.user)
    if form.is_valid():
        if form.cleaned_data["stage"]:
            cases = cases.filter(stage=form.cleaned_data["stage"])
        if form.cleaned_data["bucket"]:
            cases = cases_in_bucket(bucket=form.cleaned_data["bucket"], queryset=cases)
    page = Paginator(cases.order_by("-priority", "overdue_since", "id"), 25).get_page(request.GET.get("page"))
    return render(request, "cases/case_list.html", {"form": form, "page": page, "now": timezone.now()})


@login_required
def case_search(request):
    """Find a case while the cardholder is on the line. The value is sent by POST, so that no personal data
    lands in an address, the browser's history or an access log; the page itself is never cached."""
    results = None
    if request.method == "POST":
        form = CaseSearchForm(request.POST)
        if form.is_valid():
            try:
                results = cases_search(user=request.user, by=form.cleaned_data["by"],
                                       query=form.cleaned_data["query"], ip_address=client_ip(request))
            except DomainError as exc:
                form.add_domain_error(exc)
    else:
        form = CaseSearchForm()
    response = render(request, "cases/search.html", {"form": form, "results": results,
                                                     "limit": RESULTS_LIMIT, "now": timezone.now()},
                      status=400 if form.errors else 200)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def queue(request):
    """Today's work for the signed-in agent, in priority order, with counts per reason."""
    if not can_work_cases(request.user):
        raise PermissionDenied  # a queue and its Next case button are for those who work cases
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = queue_for_agent(user=request.user, stage=filters.get("stage") or None,
                            bucket=filters.get("bucket") or None, due_only=bool(filters.get("due")))
    labels = {reason.rank: reason.label for reason in queue_reasons()}
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    for case in page:
        case.queue_reason = labels.get(case.queue_rank, "")
    queue_reason_since(cases=page.object_list)
    counts = queue_counts(queue=cases)
    return render(request, "cases/queue.html", {
        "form": form, "page": page, "total": counts["total"], "on_hold": queue_on_hold(user=request.user)[:25],
        "counts": [(reason.label, counts[reason.code]) for reason in queue_reasons()] + [(_("Other"), counts["other"])],
    })


@login_required
@require_POST
def queue_next(request):
    """Claim the next case of the queue; `after` names the case just finished, whose claim is let go."""
    after_id = request.POST.get("after", "")
    after = cases_visible_to(user=request.user).filter(pk=int(after_id)).first() if (
        after_id.isdigit() and len(after_id) < 19) else None
    try:
        case = queue_claim_next(user=request.user, after=after)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    if case is None:
        messages.info(request, _("Your queue is empty: nothing left to claim."))
        return redirect("cases:queue")
    return redirect("cases:detail", case_id=case.pk)


def holds_panel_context(request, case: Case) -> dict:
    return {"holds": case_active_holds(case=case), "hold_requests": case_pending_hold_requests(case=case),
            "can_release_holds": can_release_holds(request.user),
            "can_approve_holds": can(request.user, Capability.APPROVE_HOLDS),
            "hold_max_days": {kind: hold_max_days(kind) for kind in APPROVED_HOLD_KINDS},
            "hold_form": HoldForm(), "release_form": HoldReleaseForm()}


def note_panel_context(request, case: Case) -> dict:
    return {"note_form": NoteForm()}


def _stated(stated) -> str:
    return _("%(source)s, %(date)s") % {"source": PreferenceSource(stated.source).label,
                                        "date": date_format(timezone.localtime(stated.stated_at), "SHORT_DATE_FORMAT")}


def _preference_rows(preferences) -> list[tuple[str, str]]:
    """The current preferences in words: (what, where it comes from)."""
    channels = dict(PREFERENCE_CHANNELS)
    rows = [(_("Opted out of %(channel)s") % {"channel": channels.get(channel, channel)}, _stated(stated))
            for channel, stated in sorted(preferences.opted_out_channels.items())]
    rows += [(_("No calls to a number"), _stated(stated)) for stated in preferences.opted_out_numbers.values()]
    if preferences.work_calls:
        rows.append((_("No calls at work"), _stated(preferences.work_calls)))
    if preferences.window:
        rows.append((_("Preferred time: %(start)s–%(end)s") % {
            "start": f"{preferences.window[0]:%H:%M}", "end": f"{preferences.window[1]:%H:%M}"},
            _stated(preferences.window_stated)))
    for channel, label in (("email", _("No consent to email")), ("sms", _("No consent to SMS"))):
        if getattr(preferences, f"consent_{channel}") is False:
            rows.append((label, _stated(preferences.consent_stated[channel])))
    if preferences.language:
        rows.append((_("Language: %(language)s") % {"language": Language(preferences.language).label}, ""))
    return rows


def preferences_panel_context(request, case: Case) -> dict:
    customer = case.account.customer
    return {"preference_rows": _preference_rows(customer_preferences(customer=customer)),
            "preference_history": customer_preference_history(customer=customer, limit=10),
            "preference_form": PreferenceForm()}


@login_required
@require_POST
def case_preference_state(request, case_id: int):
    """Record what the cardholder said about being contacted; the newest statement wins."""
    case = workable_case_or_403(request, case_id)
    form = PreferenceForm(request.POST)

    def act(data):
        preference_state(customer=case.account.customer, actor=request.user, case_id=case.pk,
                         ip_address=client_ip(request), **form.statement())
        return _("Preference recorded.")

    return case_form_answer(request, case, form, act=act, partial="cases/partials/preferences_panel.html",
                            context=lambda bound: {"preference_form": bound})


@login_required
def case_detail(request, case_id: int):
    case = visible_case_or_404(request, case_id)
    return render(request, PAGE, case_page_context(request, case))


@login_required
@require_POST
def case_note_create(request, case_id: int):
    case = workable_case_or_403(request, case_id)

    def act(data):
        case_note_add(case=case, actor=request.user, body=data["body"], ip_address=client_ip(request))
        return _("Note saved.")

    return case_form_answer(request, case, NoteForm(request.POST), act=act, partial="cases/partials/note_panel.html",
                            context=lambda form: {"note_form": form})


@login_required
@require_POST
def case_hold_create(request, case_id: int):
    """Place a hold, or, for hardship and breathing space, ask a supervisor to approve one."""
    case = workable_case_or_403(request, case_id)

    def act(data):
        fields = {"case": case, "kind": data["kind"], "actor": request.user, "reason": data["reason"],
                  "until": data["until"], "evidence_file": data["evidence_file"],
                  "evidence_reference": data["evidence_reference"], "ip_address": client_ip(request)}
        if data["kind"] in APPROVED_HOLD_KINDS:
            hold_request = hold_request_create(cause=data["cause"], **fields)
            return _("%(kind)s requested until %(until)s: a supervisor approves it before it stops contact.") % {
                "kind": hold_request.label, "until": date_format(hold_request.until, "SHORT_DATE_FORMAT")}
        hold = case_hold_place(**fields)
        return _("Hold placed: %(kind)s.") % {"kind": hold.get_kind_display()}

    return case_form_answer(request, case, HoldForm(request.POST, request.FILES), act=act,
                            partial="cases/partials/holds_panel.html", context=lambda form: {"hold_form": form})


@login_required
@require_POST
def hold_request_decide(request, case_id: int, request_id: int):
    """A supervisor approves (the hold is placed now) or refuses a hardship or breathing-space request."""
    case = visible_case_or_404(request, case_id)
    if not can(request.user, Capability.APPROVE_HOLDS):
        raise PermissionDenied
    hold_request = get_object_or_404(HoldRequest, pk=request_id, case=case)
    form = HoldDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                hold = hold_request_approve(request=hold_request, actor=request.user, note=data["note"],
                                            until=data["until"], ip_address=client_ip(request))
                message = _("Hold approved: %(kind)s until %(until)s.") % {
                    "kind": hold.label, "until": date_format(hold.until, "SHORT_DATE_FORMAT")}
            else:
                hold_request_refuse(request=hold_request, actor=request.user, note=data["note"],
                                    ip_address=client_ip(request))
                message = _("Request refused: %(kind)s.") % {"kind": hold_request.label}
            return action_done(request, message, "cases:detail", case_id=case.pk)
        except Forbidden as exc:
            form.add_error(None, exc.message)
        except DomainError as exc:
            form.add_domain_error(exc)
    return case_page_refused(request, case, partial="cases/partials/holds_panel.html", context={
        "decision_errors": {hold_request.pk: [*form.errors.get("until", []), *form.errors.get("note", []),
                                              *form.non_field_errors()]},
        "decision_typed": {hold_request.pk: request.POST.get("note", "")}})


def _evidence_response(request, case: Case, record, label: str):
    """Serve a hold's evidence to those who see the case, and audit that it was looked at."""
    if not record.evidence_file:
        raise Http404
    audit_log(actor=request.user, action="case.hold_evidence_viewed", obj=record, case_id=case.pk,
              ip_address=client_ip(request))
    return private_file_response(file=record.evidence_file, content_type=record.evidence_content_type,
                                 filename=f"{label}-{record.pk}")


@login_required
def hold_evidence(request, case_id: int, hold_id: int):
    case = visible_case_or_404(request, case_id)
    return _evidence_response(request, case, get_object_or_404(CaseHold, pk=hold_id, case=case), "hold")


@login_required
def hold_request_evidence(request, case_id: int, request_id: int):
    case = visible_case_or_404(request, case_id)
    return _evidence_response(request, case, get_object_or_404(HoldRequest, pk=request_id, case=case),
                              "hold-request")


@login_required
def specialist_queue(request):
    """The supervisors' queue: deceased and bankruptcy cases, where contact has stopped for good, and the
    hardship and breathing-space requests awaiting a decision."""
    may_work = can(request.user, Capability.WORK_SPECIALIST_CASES)
    may_approve = can(request.user, Capability.APPROVE_HOLDS)
    if not (may_work or may_approve):
        raise PermissionDenied
    return render(request, "cases/specialist_queue.html", {
        "cases": specialist_cases(user=request.user)[:200] if may_work else None,
        "requests": hold_requests_pending(user=request.user)[:200] if may_approve else None,
    })


@login_required
@require_POST
def case_hold_end(request, case_id: int, hold_id: int):
    case = visible_case_or_404(request, case_id)
    if not can_release_holds(request.user):
        raise PermissionDenied
    hold = get_object_or_404(CaseHold, pk=hold_id, case=case)
    if hold.kind in REGISTER_HOLD_KINDS:
        raise PermissionDenied("Resolve it in the complaints register.")
    form = HoldReleaseForm(request.POST)
    if form.is_valid():
        try:
            case_hold_release(hold=hold, actor=request.user, reason=form.cleaned_data["reason"],
                              ip_address=client_ip(request))
            return action_done(request, _("Hold released: %(kind)s.") % {"kind": hold.get_kind_display()},
                               "cases:detail", case_id=case.pk)
        except DomainError as exc:
            form.add_domain_error(exc)
    return case_page_refused(request, case, partial="cases/partials/holds_panel.html", context={
        "release_errors": {hold.pk: form.errors.get("reason") or form.non_field_errors()},
        "release_typed": {hold.pk: request.POST.get("reason", "")}})


@login_required
@require_POST
def case_reveal(request, case_id: int):
    case = visible_case_or_404(request, case_id)
    form = RevealForm(request.POST)
    value, error = None, None
    if form.is_valid():
        try:
            value = case_personal_data_reveal(case=case, field=form.cleaned_data["field"], actor=request.user,
                                              reason=form.cleaned_data["reason"], ip_address=client_ip(request))
        except DomainError as exc:
            error = exc.message
    else:
        error = " ".join(form.errors.get("reason", [])) or " ".join(form.non_field_errors()) or "invalid"
    name = request.POST.get("field", "")
    if name not in REVEALABLE:
        return HttpResponseBadRequest("Unknown field.")
    label, read = REVEALABLE[name]
    context = {"case": case, "name": name, "label": label, "masked_value": read(case), "value": value,
               "error": error, "reason": request.POST.get("reason", "") if error else ""}
    if request.htmx:
        return render(request, "cases/partials/personal_field.html", context)
    return render(request, "cases/reveal.html", context, status=200 if value is not None else 400)
