"""The legal queue and the litigation record's page: details, milestones, letters, the pack, the ways out."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.services import audit_log, client_ip
from cases.selectors import cases_visible_to
from contacts.evidence import sent_messages
from contacts.governor import PURPOSE_LEGAL
from contacts.models import ContactStatus, ScheduledContact
from core.errors import DomainError
from core.feedback import action_done
from core.uploads import private_file_response
from litigation.forms import EndingForm, LetterForm, MilestoneForm, RecordForm
from litigation.models import LitigationRecord, MilestoneDocument
from litigation.pack import litigation_pack_build, litigation_pack_name
from litigation.selectors import (
    legal_queue,
    litigation_records_of,
    litigation_totals,
    milestones_of,
    next_hearing_of,
    payments_since_opened,
    uncollectable_write_off,
)
from litigation.services import (
    legal_letter_send,
    litigation_judgment_paid,
    litigation_record_update,
    litigation_settle_in_court,
    litigation_uncollectable,
    litigation_withdraw,
    milestone_record,
)
from staff.permissions import Capability, can

PAGE = "litigation/record.html"


@login_required
def queue(request):
    """The legal queue: open litigation, least advanced first, then by the next hearing."""
    if not can(request.user, Capability.LEGAL_QUEUE):
        raise PermissionDenied
    today = timezone.localdate()
    records = list(legal_queue(cases=cases_visible_to(user=request.user), today=today)[:500])
    return render(request, "litigation/queue.html", {"records": records, "today": today})


def _record_or_404(request, record_id: int) -> LitigationRecord:
    if not can(request.user, Capability.WORK_LITIGATION):
        raise PermissionDenied
    record = (LitigationRecord.objects.select_related("case__account__customer", "case__assigned_team")
              .filter(pk=record_id, case__in=cases_visible_to(user=request.user)).first())
    if record is None:
        raise Http404
    return record


def _page(request, record: LitigationRecord, forms: dict | None = None, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    initial = {"counsel_kind": record.counsel_kind, "counsel_name": record.counsel_name, "court": record.court,
               "court_case_number": record.court_case_number, "claim_amount": record.claim_amount,
               "costs_incurred": record.costs_incurred}
    context = {
        "record": record, "case": record.case, "milestones": milestones_of(record=record),
        "next_hearing": next_hearing_of(record=record, today=today) if record.is_open else None,
        "totals": litigation_totals(record=record),
        "payments": list(payments_since_opened(record=record)[:100]),
        "letters": list(sent_messages(ScheduledContact.objects.filter(case=record.case, purpose=PURPOSE_LEGAL))),
        "letters_pending": ScheduledContact.objects.filter(case=record.case, purpose=PURPOSE_LEGAL,
                                                           status=ContactStatus.SCHEDULED).count(),
        "uncollectable": uncollectable_write_off(record=record),
        "record_form": RecordForm(initial=initial), "milestone_form": MilestoneForm(initial={"on": today}),
        "letter_form": LetterForm(), "ending_form": EndingForm(initial={"on": today}),
        "other_records": [r for r in litigation_records_of(case=record.case) if r.pk != record.pk],
    }
    context.update(forms or {})
    return render(request, PAGE, context, status=status)


@login_required
def record_detail(request, record_id: int):
    record = _record_or_404(request, record_id)
    audit_log(actor=request.user, action="litigation.viewed", obj=record, case_id=record.case_id,
              ip_address=client_ip(request))
    return _page(request, record)


def _answer(request, record, form, name: str, act):
    if form.is_valid():
        try:
            message = act(form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return action_done(request, message, "litigation:record", record_id=record.pk)
    return _page(request, record, {name: form}, status=400)


@login_required
@require_POST
def record_update(request, record_id: int):
    record = _record_or_404(request, record_id)

    def act(data):
        litigation_record_update(record=record, actor=request.user, ip_address=client_ip(request), **data)
        return _("The litigation record was saved.")
    return _answer(request, record, RecordForm(request.POST), "record_form", act)


@login_required
@require_POST
def milestone_add(request, record_id: int):
    record = _record_or_404(request, record_id)

    def act(data):
        milestone = milestone_record(record=record, actor=request.user, kind=data["kind"], on=data["on"],
                                     amount=data["amount"], note=data["note"], documents=data["documents"],
                                     ip_address=client_ip(request))
        return _("%(milestone)s recorded.") % {"milestone": milestone.get_kind_display()}
    return _answer(request, record, MilestoneForm(request.POST, request.FILES), "milestone_form", act)


@login_required
@require_POST
def letter_send(request, record_id: int):
    record = _record_or_404(request, record_id)

    def act(data):
        legal_letter_send(record=record, actor=request.user, text=data["text"])
        return _("The letter is going out by post.")
    return _answer(request, record, LetterForm(request.POST), "letter_form", act)


@login_required
@require_POST
def ending(request, record_id: int):
    record = _record_or_404(request, record_id)

    def act(data):
        way, who = data["way"], {"record": record, "actor": request.user, "ip_address": client_ip(request)}
        if way == EndingForm.SETTLED:
            litigation_settle_in_court(on=data["on"], note=data["reason"], documents=data["documents"], **who)
            return _("Settled in court. The case is in negotiate: propose the settlement's plan on the case.")
        if way == EndingForm.PAID:
            litigation_judgment_paid(on=data["on"], note=data["reason"], documents=data["documents"], **who)
            return _("Judgment paid. The case is closed as settled.")
        if way == EndingForm.UNCOLLECTABLE:
            litigation_uncollectable(on=data["on"], reason=data["reason"], documents=data["documents"], **who)
            raised = uncollectable_write_off(record=record)
            if raised["write_off"] is not None:
                return _("Recorded as uncollectable. Write-off #%(id)s of %(total)s %(currency)s proposed.") % {
                    "id": raised["write_off"].pk, "total": raised["write_off"].total,
                    "currency": raised["write_off"].currency}
            return _("Recorded as uncollectable, but no write-off proposal was raised: %(why)s") % {
                "why": raised["refusal"]}
        litigation_withdraw(on=data["on"], reason=data["reason"], **who)
        return _("Litigation withdrawn. The case is back in contact.")
    return _answer(request, record, EndingForm(request.POST, request.FILES), "ending_form", act)


@login_required
@require_POST
def pack(request, record_id: int):
    """The lawyer's pack as a ZIP download; the build is audited with its manifest's hash."""
    record = _record_or_404(request, record_id)
    now = timezone.now()
    built = litigation_pack_build(record=record, actor=request.user, ip_address=client_ip(request), now=now)
    response = HttpResponse(built.zip_bytes, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{litigation_pack_name(record, now)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def document(request, record_id: int, document_id: int):
    record = _record_or_404(request, record_id)
    doc = get_object_or_404(MilestoneDocument, pk=document_id, milestone__record=record)
    audit_log(actor=request.user, action="litigation.document_viewed", obj=doc, case_id=record.case_id,
              ip_address=client_ip(request))
    return private_file_response(file=doc.file, content_type=doc.content_type,
                                 filename=f"litigation-{record.pk}-{doc.pk}")


# --- the case page's panel ----------------------------------------------------------------------------------

def case_panel_visible(request, case) -> bool:
    return case.litigation_records.exists()


def case_panel_context(request, case) -> dict:
    records = litigation_records_of(case=case)
    current = records[0] if records else None
    return {"litigation": current, "litigation_can_open": can(request.user, Capability.WORK_LITIGATION),
            "litigation_next_hearing": next_hearing_of(record=current) if current else None}
