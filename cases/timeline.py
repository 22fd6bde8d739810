"""A case's timeline: everything that happened on it, newest first, gathered from every capability.

Each capability adds a source with `timeline_source_register` from its AppConfig.ready(). A source
takes (case, limit) and returns entries {"at", "kind", "actor", "text", "detail"}.
"""

from collections.abc import Callable

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.models import Case, CaseHold, CaseNote, HoldRequest, Payment, Referral, StageHistory

# Reasons the portal stores in English, shown in the reader's language (re-exported for the sources).
from core.i18n import stored_text  # noqa: F401

TimelineSource = Callable[[Case, int], list[dict]]
_SOURCES: dict[str, TimelineSource] = {}


def timeline_source_register(name: str, source: TimelineSource) -> None:
    _SOURCES[name] = source


def case_timeline(*, case: Case, limit: int = 100) -> list[dict]:
    entries = [entry for source in _SOURCES.values() for entry in source(case, limit)]
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries[:limit]


def _stage_changes(case: Case, limit: int) -> list[dict]:
    entries = []
    for row in StageHistory.objects.filter(case=case).order_by("-created_at", "-id")[:limit]:
        text = f"{row.get_from_stage_display() or '—'} → {row.get_to_stage_display()}"
        if row.outcome:
            text += f" ({row.get_outcome_display()})"
        entries.append({"at": row.created_at, "kind": "stage", "actor": row.actor_label, "text": text,
                        "detail": stored_text(row.reason)})
    return entries


def _holds(case: Case, limit: int) -> list[dict]:
    entries = []
    for hold in CaseHold.objects.filter(case=case).order_by("-placed_at")[:limit]:
        placed = _("Hold placed: %(kind)s") % {"kind": hold.label}
        if hold.until:
            placed = _("Hold placed: %(kind)s, until %(until)s") % {
                "kind": hold.label, "until": date_format(hold.until, "SHORT_DATE_FORMAT")}
        entries.append({"at": hold.placed_at, "kind": "hold", "actor": hold.placed_by_label, "text": placed,
                        "detail": stored_text(hold.reason)})
        if hold.released_at:
            entries.append({"at": hold.released_at, "kind": "hold", "actor": hold.released_by_label,
                            "text": _("Hold released: %(kind)s") % {"kind": hold.label},
                            "detail": stored_text(hold.release_reason)})
    for request in HoldRequest.objects.filter(case=case).order_by("-requested_at")[:limit]:
        entries.append({"at": request.requested_at, "kind": "hold", "actor": request.requested_by_label,
                        "text": _("Hold requested: %(kind)s, until %(until)s") % {
                            "kind": request.label, "until": date_format(request.until, "SHORT_DATE_FORMAT")},
                        "detail": stored_text(request.reason)})
        if request.status == HoldRequest.Status.REFUSED:
            entries.append({"at": request.decided_at, "kind": "hold", "actor": request.decided_by_label,
                            "text": _("Hold request refused: %(kind)s") % {"kind": request.label},
                            "detail": request.decision_note})
    return entries


def _payment_text(payment: Payment, case: Case) -> str:
    figures = {"amount": payment.amount, "currency": payment.currency}
    if payment.reverses_id is None:
        if payment.recovery:
            return _("Payment %(amount)s %(currency)s recovered after write-off") % figures
        return _("Payment %(amount)s %(currency)s") % figures
    original = payment.reverses
    if original.case_id == case.pk or original.case_id is None:
        return _("Payment %(transaction_id)s of %(amount)s %(currency)s reversed") % {
            **figures, "transaction_id": original.transaction_id}
    return _("Payment %(transaction_id)s of case %(case)s reversed: %(amount)s %(currency)s is owed again here") % {
        **figures, "transaction_id": original.transaction_id, "case": original.case_id}


def _payments(case: Case, limit: int) -> list[dict]:
    entries = [{"at": payment.paid_at, "kind": "payment", "actor": "core-system",
                "text": _payment_text(payment, case), "detail": payment.transaction_id}
               for payment in Payment.objects.filter(case=case).select_related("reverses").order_by("-paid_at")[:limit]]
    # A reversal whose money went to the account's newer case: the closed case says where it went.
    for reversal in (Payment.objects.filter(reverses__case=case).exclude(case=case).select_related("reverses")
                     .order_by("-paid_at")[:limit]):
        text = _("Payment %(transaction_id)s reversed: %(amount)s %(currency)s added to the newer case %(case)s") % {
            "transaction_id": reversal.reverses.transaction_id, "amount": reversal.amount,
            "currency": reversal.currency, "case": reversal.case_id or "—"}
        entries.append({"at": reversal.paid_at, "kind": "payment", "actor": "core-system", "text": text,
                        "detail": reversal.transaction_id})
    return entries


def _notes(case: Case, limit: int) -> list[dict]:
    return [{"at": note.created_at, "kind": "note", "actor": note.author_label, "text": _("Note"),
             "detail": note.body}
            for note in CaseNote.objects.filter(case=case).order_by("-created_at")[:limit]]


def _referrals(case: Case, limit: int) -> list[dict]:
    entries = []
    for referral in Referral.objects.filter(case=case).order_by("-raised_at")[:limit]:
        entries.append({"at": referral.raised_at, "kind": "referral", "actor": referral.raised_by_label,
                        "text": _("Referred to the supervisor"), "detail": referral.reason})
        if referral.decided_at:
            entries.append({"at": referral.decided_at, "kind": "referral", "actor": referral.decided_by_label,
                            "text": _("Supervisor's decision"), "detail": referral.decision})
    return entries


timeline_source_register("stage", _stage_changes)
timeline_source_register("referrals", _referrals)
timeline_source_register("holds", _holds)
timeline_source_register("payments", _payments)
timeline_source_register("notes", _notes)
