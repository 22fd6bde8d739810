"""What negotiation adds to a case's timeline: promises and how they ended, each step of a plan, instalment
reminders sent, and write-offs proposed and decided (with the amounts written off by part)."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.timeline import stored_text, timeline_source_register
from repayment_plans.models import Instalment, PlanDecision, Promise, PromiseStatus, WriteOff, WriteOffStatus


def _promises(case, limit: int) -> list[dict]:
    entries = []
    for promise in Promise.objects.filter(case=case).order_by("-taken_at")[:limit]:
        values = {"amount": promise.amount, "currency": promise.currency,
                  "date": date_format(promise.due_date, "SHORT_DATE_FORMAT"), "channel": promise.get_channel_display()}
        entries.append({"at": promise.taken_at, "kind": "promise", "actor": promise.taken_by_label,
                        "text": _("Promise to pay %(amount)s %(currency)s by %(date)s (%(channel)s)") % values,
                        "detail": promise.note})
        if promise.evaluated_at:
            entries.append({"at": promise.evaluated_at, "kind": "promise", "actor": _("system"),
                            "text": _("Promise %(status)s: %(paid)s of %(amount)s %(currency)s paid")
                            % {**values, "status": promise.get_status_display().lower(), "paid": promise.paid_amount},
                            "detail": _("Cancelled: the case was closed.")
                            if promise.status == PromiseStatus.CANCELLED else ""})
    return entries


def _plan_decisions(case, limit: int) -> list[dict]:
    return [{"at": d.created_at, "kind": "plan", "actor": d.actor_label,
             "text": _("Plan #%(plan)s (%(kind)s, %(total)s %(currency)s): %(status)s")
             % {"plan": d.plan_id, "kind": d.plan.get_kind_display(), "total": d.plan.total,
                "currency": d.plan.currency, "status": d.get_to_status_display()},
             "detail": stored_text(d.reason)}
            for d in PlanDecision.objects.filter(plan__case=case).select_related("plan")
            .order_by("-created_at")[:limit]]


def _reminders(case, limit: int) -> list[dict]:
    return [{"at": i.reminded_at, "kind": "reminder", "actor": _("system"),
             "text": _("SMS reminder of instalment %(number)s (%(amount)s %(currency)s due %(date)s)")
             % {"number": i.number, "amount": i.amount, "currency": i.plan.currency,
                "date": date_format(i.due_date, "SHORT_DATE_FORMAT")},
             "detail": ""}
            for i in Instalment.objects.filter(plan__case=case, reminded_at__isnull=False).select_related("plan")
            .order_by("-reminded_at")[:limit]]


def _write_offs(case, limit: int) -> list[dict]:
    entries = []
    for w in WriteOff.objects.filter(case=case).order_by("-proposed_at")[:limit]:
        values = {"id": w.pk, "total": w.total, "currency": w.currency, "principal": w.principal,
                  "interest": w.interest, "fees": w.fees, "penalty": w.penalty}
        proposed = {"at": w.proposed_at, "kind": "write_off", "actor": w.proposed_by_label,
                    "text": _("Write-off #%(id)s proposed: %(total)s %(currency)s") % values, "detail": w.reason}
        if w.decided_at is None:
            entries.append(proposed)
            continue
        if w.status == WriteOffStatus.APPROVED:
            text = _("Written off %(total)s %(currency)s: principal %(principal)s, interest %(interest)s, fees "
                     "%(fees)s, penalty %(penalty)s (%(how)s)") % {**values, "how": w.get_approval_kind_display()}
        else:
            text = _("Write-off #%(id)s %(status)s") % {**values, "status": w.get_status_display().lower()}
        # The decision before the proposal: within own authority both share a moment, and the timeline reads
        # newest first.
        entries.append({"at": w.decided_at, "kind": "write_off", "actor": w.decided_by_label, "text": text,
                        "detail": stored_text(w.decision_reason)})
        entries.append(proposed)
    return entries


def register() -> None:
    timeline_source_register("promises", _promises)
    timeline_source_register("plan_decisions", _plan_decisions)
    timeline_source_register("instalment_reminders", _reminders)
    timeline_source_register("write_offs", _write_offs)
