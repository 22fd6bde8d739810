"""Negotiation's sections of an evidence pack (core.evidence): promises and plans with their acceptance proof.

Shared by every pack that shows them (the cardholder's file, the lawyer's pack), so both read the same."""

from pathlib import Path
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from contacts.models import AttemptResult, ContactAttempt
from core.evidence import EvidencePack, stored_bytes, when_text
from core.i18n import stored_text
from repayment_plans.agreement import agreement_pdf
from repayment_plans.models import PlanStatus, Promise, RepaymentPlan, WriteOff

# Plans the cardholder was offered an agreement for: approved, and everything an approved plan becomes.
AGREED = (PlanStatus.APPROVED, PlanStatus.ACTIVE, PlanStatus.BROKEN, PlanStatus.COMPLETED)


def promises_section(pack: EvidencePack, promises: QuerySet[Promise], zone: ZoneInfo) -> None:
    rows = []
    for promise in promises.order_by("taken_at", "id"):
        # The promise's proof is the call it was taken on: the last promise call on its case by then.
        call = (ContactAttempt.objects.filter(case_id=promise.case_id, result=AttemptResult.PROMISE,
                                              occurred_at__lte=promise.taken_at).order_by("-occurred_at").first())
        proof = (f"{when_text(call.occurred_at, zone)}, {call.get_channel_display()}"
                 + (f", {_('Recording')} {call.recording_ref}" if call.recording_ref else "")) if call else "—"
        rows.append([
            (_("Case"), f"#{promise.case_id}"), (_("Promise"), f"{promise.amount} {promise.currency}"),
            (_("Due"), promise.due_date.isoformat()), (_("Taken"), f"{when_text(promise.taken_at, zone)}, "
                                                      f"{promise.taken_by_label}, {promise.get_channel_display()}"),
            (_("Taken on the contact"), proof), (_("Status"), promise.get_status_display())])
    pack.section_add(_("Promises to pay"), rows, empty=_("None"))


def plans_section(pack: EvidencePack, plans: QuerySet[RepaymentPlan], zone: ZoneInfo, *, language: str) -> None:
    """Every plan with its decisions and how it was accepted; the agreement (in `language`) and the signed copy
    of each agreed plan as documents."""
    rows = []
    for plan in plans.prefetch_related("decisions").order_by("proposed_at", "id"):
        row = [(_("Case"), f"#{plan.case_id}"), (_("Plan"), f"{plan.get_kind_display()} #{plan.pk}"),
               (_("To pay"), f"{plan.total} {plan.currency}"), (_("Status"), plan.get_status_display()),
               (_("Proposed"), f"{when_text(plan.proposed_at, zone)}, {plan.proposed_by_label}"),
               (_("Accepted"), f"{plan.get_accepted_via_display()}, {when_text(plan.activated_at, zone)}"
                if plan.accepted_via else "—")]
        decisions = sorted(plan.decisions.all(), key=lambda d: (d.created_at, d.pk))
        row += [(_("Decision"), f"{when_text(d.created_at, zone)}: {d.get_to_status_display()}, {d.actor_label}, "
                                f"{d.reason}") for d in decisions]
        if plan.status in AGREED:
            row.append((_("Agreement"), pack.file_add(f"agreements/plan-{plan.pk}-agreement.pdf",
                                                      agreement_pdf(plan=plan, language=language))))
        signed = stored_bytes(plan.signed_copy)
        if signed is not None:
            row.append((_("Signed copy"), pack.file_add(
                f"agreements/plan-{plan.pk}-signed{Path(plan.signed_copy.name).suffix.lower()}", signed)))
        rows.append(row)
    pack.section_add(_("Repayment plans and their acceptance"), rows, empty=_("None"))


def write_offs_section(pack: EvidencePack, write_offs: QuerySet[WriteOff], zone: ZoneInfo) -> None:
    pack.section_add(_("Write-offs"), [[
        (_("Case"), f"#{w.case_id}"), (_("Write-off"), f"#{w.pk}"), (_("Status"), w.get_status_display()),
        (_("Amount"), _("%(total)s %(currency)s: principal %(principal)s, interest %(interest)s, fees %(fees)s, "
                        "penalty %(penalty)s") % {"total": w.total, "currency": w.currency, **w.parts}),
        (_("Proposed"), f"{when_text(w.proposed_at, zone)}, {w.proposed_by_label}, {w.reason}"),
        (_("Decision"), f"{when_text(w.decided_at, zone)}: {w.get_approval_kind_display() or w.get_status_display()}, "
                        f"{w.decided_by_label}, {stored_text(w.decision_reason)}" if w.decided_at else "—"),
    ] for w in write_offs.order_by("proposed_at", "id")], empty=_("None"))
