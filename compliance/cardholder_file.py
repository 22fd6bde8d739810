"""The cardholder's file, for a regulator or a court: everything the bank did with one cardholder.

A PDF summary (the cases; every contact, with its direction, time, result, breach and recording; every
letter, SMS and email sent, with the text that went out; promises and plans with their acceptance proof;
complaints and holds), the letters and agreements themselves, and a manifest of SHA-256 hashes, in one
ZIP built by `core.evidence`. Every build is audited with the manifest's hash, so a file handed over can
later be matched to the build that made it.
"""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import audit_log
from cases.models import Case, CaseHold, Customer, HoldRequest
from complaints.models import Complaint
from contacts.governor import breach_text
from contacts.models import AUTOMATED_CHANNELS, AttemptResult, ContactAttempt, ContactStatus, ScheduledContact
from core.crypto import pii_hash
from core.evidence import BuiltPack, EvidencePack
from core.i18n import stored_text
from repayment_plans.agreement import agreement_pdf
from repayment_plans.models import PlanStatus, Promise, RepaymentPlan, WriteOff

# Plans the cardholder was offered an agreement for: approved, and everything an approved plan becomes.
AGREED = (PlanStatus.APPROVED, PlanStatus.ACTIVE, PlanStatus.BROKEN, PlanStatus.COMPLETED)


def cardholder_find(query: str) -> Customer | None:
    """A cardholder by the core system's id, or by national id (through its keyed hash)."""
    query = query.strip()
    if not query:
        return None
    return (Customer.objects.filter(external_id=query).first()
            or Customer.objects.filter(national_id_hash=pii_hash(query)).first())


def _when(value: dt.datetime | None, zone: ZoneInfo) -> str:
    return f"{value.astimezone(zone):%Y-%m-%d %H:%M} {zone.key}" if value else "—"


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _stored(field_file) -> bytes | None:
    if not field_file:
        return None
    try:
        with field_file.open("rb") as handle:
            return handle.read()
    except OSError:
        return None


def cardholder_file_pack(*, customer: Customer, built_by: str, now: dt.datetime) -> EvidencePack:
    """The file's contents for `customer`, in the active language (the reader's)."""
    zone = ZoneInfo(customer.timezone)
    language = translation.get_language() or settings.LANGUAGE_CODE
    pack = EvidencePack(
        title=_("Cardholder's file"), language="zh-hans" if language.startswith("zh") else "en",
        author=settings.CONTACTS_BANK_NAME, created_at=now,
        preamble=[_("Cardholder: %(name)s (%(id)s)") % {"name": customer.name, "id": customer.external_id},
                  _("Built at %(at)s by %(by)s") % {"at": _when(now, zone), "by": built_by},
                  _("Times are shown in the cardholder's time zone, %(zone)s.") % {"zone": zone.key}])
    cases = list(Case.objects.filter(account__customer=customer).select_related("account", "assigned_team")
                 .order_by("opened_at", "id"))
    pack.section_add(_("Cases"), [[
        (_("Case"), f"#{case.pk}"), (_("Card ending"), case.account.account_number[-4:]),
        (_("Stage"), case.get_stage_display()), (_("Outcome"), case.get_outcome_display() or "—"),
        (_("Overdue"), f"{case.total_overdue} {case.currency}"), (_("Overdue since"), case.overdue_since.isoformat()),
        (_("Team"), str(case.assigned_team or "—")), (_("Opened"), _when(case.opened_at, zone)),
        (_("Closed"), _when(case.closed_at, zone)),
    ] for case in cases], empty=_("None"))

    attempts = (ContactAttempt.objects.filter(customer=customer).select_related("exception")
                .order_by("occurred_at", "id"))
    pack.section_add(_("Contacts"), [[
        (_("Case"), f"#{attempt.case_id}"), (_("Time"), _when(attempt.occurred_at, zone)),
        (_("Direction"), attempt.get_direction_display()), (_("Channel"), attempt.get_channel_display()),
        (_("By"), attempt.actor_label), (_("Result"), attempt.get_result_display()),
        (_("Third party"), _("Yes") if attempt.third_party else _("No")),
        (_("Breach"), breach_text(attempt.breached_rules) if attempt.breached_rules else _("No")),
        (_("Authorised exception"), f"{attempt.exception.granted_by_label}: {attempt.exception.reason}"
         if attempt.exception_id else _("No")),
        (_("Recording"), f"{attempt.recording_ref} (SHA-256 {attempt.recording_sha256 or '—'})"
         if attempt.recording_ref else "—"),
    ] for attempt in attempts], empty=_("None"))

    sent = (ScheduledContact.objects.filter(case__account__customer=customer, status=ContactStatus.SENT,
                                            channel__in=AUTOMATED_CHANNELS).order_by("sent_at", "id"))
    message_rows = []
    for message in sent:
        row = [(_("Case"), f"#{message.case_id}"), (_("Sent"), _when(message.sent_at, zone)),
               (_("Channel"), message.get_channel_display())]
        if message.rendered_subject:
            row.append((_("Subject"), message.rendered_subject))
        row.append((_("Text"), message.rendered_text or _("Not kept: sent before texts were stored.")))
        if message.letter_file:
            data = _read(Path(settings.MEDIA_ROOT) / "letters" / Path(message.letter_file).name)
            row.append((_("File"), pack.file_add(f"letters/{Path(message.letter_file).name}", data)
                        if data is not None else _("Missing from storage")))
        message_rows.append(row)
    pack.section_add(_("Letters, SMS and email sent"), message_rows, empty=_("None"))

    promise_calls = ContactAttempt.objects.filter(customer=customer, result=AttemptResult.PROMISE)
    promise_rows = []
    for promise in Promise.objects.filter(case__account__customer=customer).order_by("taken_at", "id"):
        # The promise's proof is the call it was taken on: the last promise call on its case by then.
        call = promise_calls.filter(case_id=promise.case_id, occurred_at__lte=promise.taken_at).order_by(
            "-occurred_at").first()
        proof = (f"{_when(call.occurred_at, zone)}, {call.get_channel_display()}"
                 + (f", {_('Recording')} {call.recording_ref}" if call.recording_ref else "")) if call else "—"
        promise_rows.append([
            (_("Case"), f"#{promise.case_id}"), (_("Promise"), f"{promise.amount} {promise.currency}"),
            (_("Due"), promise.due_date.isoformat()), (_("Taken"), f"{_when(promise.taken_at, zone)}, "
                                                      f"{promise.taken_by_label}, {promise.get_channel_display()}"),
            (_("Taken on the contact"), proof), (_("Status"), promise.get_status_display())])
    pack.section_add(_("Promises to pay"), promise_rows, empty=_("None"))

    plan_rows = []
    agreement_language = customer.language if customer.language in ("zh-hans", "en") else "zh-hans"
    for plan in (RepaymentPlan.objects.filter(case__account__customer=customer).prefetch_related("decisions")
                 .order_by("proposed_at", "id")):
        row = [(_("Case"), f"#{plan.case_id}"), (_("Plan"), f"{plan.get_kind_display()} #{plan.pk}"),
               (_("To pay"), f"{plan.total} {plan.currency}"), (_("Status"), plan.get_status_display()),
               (_("Proposed"), f"{_when(plan.proposed_at, zone)}, {plan.proposed_by_label}"),
               (_("Accepted"), f"{plan.get_accepted_via_display()}, {_when(plan.activated_at, zone)}"
                if plan.accepted_via else "—")]
        decisions = sorted(plan.decisions.all(), key=lambda d: (d.created_at, d.pk))
        row += [(_("Decision"), f"{_when(d.created_at, zone)}: {d.get_to_status_display()}, {d.actor_label}, "
                                f"{d.reason}") for d in decisions]
        if plan.status in AGREED:
            row.append((_("Agreement"), pack.file_add(f"agreements/plan-{plan.pk}-agreement.pdf",
                                                      agreement_pdf(plan=plan, language=agreement_language))))
        signed = _stored(plan.signed_copy)
        if signed is not None:
            row.append((_("Signed copy"), pack.file_add(
                f"agreements/plan-{plan.pk}-signed{Path(plan.signed_copy.name).suffix.lower()}", signed)))
        plan_rows.append(row)
    pack.section_add(_("Repayment plans and their acceptance"), plan_rows, empty=_("None"))

    pack.section_add(_("Write-offs"), [[
        (_("Case"), f"#{w.case_id}"), (_("Write-off"), f"#{w.pk}"), (_("Status"), w.get_status_display()),
        (_("Amount"), _("%(total)s %(currency)s: principal %(principal)s, interest %(interest)s, fees %(fees)s, "
                        "penalty %(penalty)s") % {"total": w.total, "currency": w.currency, **w.parts}),
        (_("Proposed"), f"{_when(w.proposed_at, zone)}, {w.proposed_by_label}, {w.reason}"),
        (_("Decision"), f"{_when(w.decided_at, zone)}: {w.get_approval_kind_display() or w.get_status_display()}, "
                        f"{w.decided_by_label}, {stored_text(w.decision_reason)}" if w.decided_at else "—"),
    ] for w in WriteOff.objects.filter(case__account__customer=customer).order_by("proposed_at", "id")],
        empty=_("None"))

    pack.section_add(_("Complaints"), [[
        (_("Case"), f"#{c.case_id}"), (_("Received"), f"{_when(c.received_at, zone)}, {c.get_channel_display()}"),
        (_("Kind"), c.get_kind_display()), (_("Category"), c.get_category_display()),
        (_("Description"), c.description), (_("Status"), c.get_status_display()),
        (_("Resolution"), f"{c.resolution} ({c.resolved_by_label}, {_when(c.resolved_at, zone)})"
         if c.resolved_at else "—"),
    ] for c in Complaint.objects.filter(case__account__customer=customer).order_by("received_at", "id")],
        empty=_("None"))

    hold_rows = [[
        (_("Case"), f"#{h.case_id}"), (_("Hold"), h.get_kind_display()), (_("Reason"), h.reason),
        (_("Placed"), f"{_when(h.placed_at, zone)}, {h.placed_by_label}"),
        (_("Until"), h.until.isoformat() if h.until else "—"),
        (_("Released"), f"{_when(h.released_at, zone)}, {h.released_by_label}: {h.release_reason}"
         if h.released_at else "—"),
    ] for h in CaseHold.objects.filter(case__account__customer=customer).order_by("placed_at", "id")]
    hold_rows += [[
        (_("Case"), f"#{r.case_id}"), (_("Hold requested"), r.get_kind_display()), (_("Reason"), r.reason),
        (_("Requested"), f"{_when(r.requested_at, zone)}, {r.requested_by_label}"),
        (_("Decision"), f"{r.get_status_display()}, {r.decided_by_label} {r.decision_note}".strip()),
    ] for r in HoldRequest.objects.filter(case__account__customer=customer).order_by("requested_at", "id")]
    pack.section_add(_("Holds"), hold_rows, empty=_("None"))
    return pack


def cardholder_file_build(*, customer: Customer, actor, ip_address: str | None = None,
                          now: dt.datetime | None = None) -> BuiltPack:
    """Build the cardholder's file and audit the build: who, which cardholder, and the manifest's hash.

    Reads only; the one write is the audit record."""
    now = now or timezone.now()
    built_by = actor if isinstance(actor, str) else actor.get_username()
    built = cardholder_file_pack(customer=customer, built_by=built_by, now=now).build()
    audit_log(actor=actor, action="cardholder_file.built", obj=customer, ip_address=ip_address,
              changes={"manifest_sha256": built.manifest_sha256, "files": len(built.names),
                       "cases": list(customer_case_ids(customer))})
    return built


def customer_case_ids(customer: Customer) -> list[int]:
    return list(Case.objects.filter(account__customer=customer).order_by("id").values_list("id", flat=True))


def cardholder_file_name(customer: Customer, now: dt.datetime) -> str:
    safe = "".join(ch for ch in customer.external_id if ch.isalnum() or ch in "-_") or str(customer.pk)
    return f"cardholder-file-{safe}-{now:%Y%m%d-%H%M%S}.zip"
