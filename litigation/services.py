"""Writes to litigation records: opening one when a case enters legal, its details, its milestones, the
legal officer's letters, and the ways out of legal. Every caller (views, the review, demo data) comes here.

Who may write is `Capability.WORK_LITIGATION`; which cases a person sees is decided by the caller
(`cases.selectors.cases_visible_to`). Every change is audited; every milestone is reported to the core system.
"""

import datetime as dt
import hashlib
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.contact_stops import ContactStop, StopCause, cases_contact_stop
from cases.lifecycle import Outcome, Stage
from cases.models import Case
from cases.services import case_transition
from contacts.governor import PURPOSE_LEGAL
from contacts.models import ScheduledContact
from contacts.services import staff_letter_schedule
from core.actors import actor_fields
from core.errors import Conflict, DomainError, Forbidden, reason_required
from core.i18n import stored_phrase
from core.outbox import task_enqueue
from core.uploads import upload_content_type
from events.models import EventType
from events.services import event_emit
from litigation.models import (
    AMOUNT_KINDS,
    PROGRESS_KINDS,
    PROGRESS_RANK,
    CounselKind,
    Ending,
    LitigationRecord,
    Milestone,
    MilestoneDocument,
    MilestoneKind,
)
from repayment_plans.write_offs import WriteOffConflict, WriteOffError, write_off_propose
from staff.permissions import Capability, can

SETTLED_IN_COURT_REASON = stored_phrase("Settled in court; the settlement's repayment plan is to be agreed.")
JUDGMENT_PAID_REASON = stored_phrase("Judgment paid.")
MAX_DOCUMENTS = 10


def litigation_require(actor) -> None:
    if isinstance(actor, str):
        return  # a named system (the demo data, a data migration) acts with the authority its caller checked
    if not can(actor, Capability.WORK_LITIGATION):
        raise Forbidden(_("Only a legal officer, supervisor or manager works a litigation record."))


def _require_open(record: LitigationRecord) -> None:
    if not record.is_open:
        raise Conflict(_("This litigation record is closed."))


def _money(value, *, field: str, positive: bool = False) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Decimal) or not value.is_finite():
        raise DomainError(_("Enter an amount."), field=field)
    if value < 0 or (positive and value == 0):
        raise DomainError(_("The amount must be more than zero.") if positive else _("The amount cannot be negative."),
                          code="invalid_amount", field=field)
    if value != value.quantize(Decimal("0.01")) or value >= Decimal("1e12"):
        raise DomainError(_("Enter an amount with at most two decimals."), code="invalid_amount", field=field)
    return value


@transaction.atomic
def litigation_open(*, case: Case, actor, at: dt.datetime | None = None) -> LitigationRecord:
    """Open the litigation record of a case that has just entered legal; the open one if it has one.

    The claim starts at the amount overdue, in the case's currency, for the legal officer to correct.
    Whatever contact was still planned (calls, visits, the policy's messages) is cancelled in the same
    transaction: in legal only the legal officer's letters go out (the governor refuses the rest).
    """
    if case.stage != Stage.LEGAL:
        raise Conflict(_("Only a case in the legal stage has a litigation record."))
    existing = LitigationRecord.objects.select_for_update().filter(case=case, closed_at__isnull=True).first()
    if existing is not None:
        return existing
    now = at or timezone.now()
    who = actor_fields(actor)
    record = LitigationRecord.objects.create(
        case=case, currency=case.currency, claim_amount=case.total_overdue, opened_at=now,
        opened_by=who["actor"], opened_by_label=who["actor_label"], updated_at=now)
    cases_contact_stop(case_ids=[case.pk], cause=StopCause.LEGAL, actor=actor, at=now)
    audit_log(actor=actor, action="litigation.opened", obj=record, case_id=case.pk,
              changes={"claim_amount": str(record.claim_amount), "currency": record.currency})
    return record


@transaction.atomic
def litigation_record_update(
    *, record: LitigationRecord, actor, counsel_kind: str, counsel_name: str, court: str, court_case_number: str,
    claim_amount: Decimal | None, costs_incurred: Decimal, ip_address: str | None = None,
) -> LitigationRecord:
    """Set who acts for the bank, the court and its case number, the claim and the costs incurred so far."""
    litigation_require(actor)
    record = LitigationRecord.objects.select_for_update().get(pk=record.pk)
    _require_open(record)
    if counsel_kind not in CounselKind.values:
        raise DomainError(_("Choose a law firm or in-house counsel."), field="counsel_kind")
    fields = {
        "counsel_kind": counsel_kind, "counsel_name": (counsel_name or "").strip()[:200],
        "court": (court or "").strip()[:200], "court_case_number": (court_case_number or "").strip()[:100],
        "claim_amount": _money(claim_amount, field="claim_amount"),
        "costs_incurred": _money(costs_incurred if costs_incurred is not None else Decimal("0"),
                                 field="costs_incurred"),
    }
    changes = {name: str(value) for name, value in fields.items() if getattr(record, name) != value}
    for name, value in fields.items():
        setattr(record, name, value)
    record.updated_at = timezone.now()
    record.save(update_fields=[*fields, "updated_at"])
    if changes:
        audit_log(actor=actor, action="litigation.updated", obj=record, case_id=record.case_id, changes=changes,
                  ip_address=ip_address)
    return record


def _documents_checked(documents) -> list[tuple[object, str]]:
    documents = [d for d in (documents or []) if d]
    if len(documents) > MAX_DOCUMENTS:
        raise DomainError(_("At most %(count)s documents at a time."), params={"count": MAX_DOCUMENTS},
                          field="documents")
    return [(file, upload_content_type(file=file, max_bytes=settings.LITIGATION_MAX_UPLOAD_BYTES, field="documents"))
            for file in documents]


def _sha256(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _milestone_add(*, record: LitigationRecord, actor, kind: str, on: dt.date, amount: Decimal | None = None,
                   ending: str = "", note: str = "", documents=(), at: dt.datetime | None = None,
                   ip_address: str | None = None) -> Milestone:
    """Append a milestone with its documents, move the record's progress on, audit it and report it."""
    now = at or timezone.now()
    checked = _documents_checked(documents)
    who = actor_fields(actor)
    milestone = Milestone.objects.create(record=record, kind=kind, on=on, amount=amount, currency=record.currency,
                                         ending=ending, note=(note or "").strip()[:4000], recorded_at=now, **who)
    for file, content_type in checked:
        MilestoneDocument.objects.create(milestone=milestone, file=file, content_type=content_type, size=file.size,
                                         sha256=_sha256(file), uploaded_by=who["actor"],
                                         uploaded_by_label=who["actor_label"], created_at=now)
    if PROGRESS_RANK[kind] > PROGRESS_RANK.get(record.progress, 0):
        record.progress = kind
    record.updated_at = now
    record.save(update_fields=["progress", "updated_at"])
    payload = {"record_id": record.pk, "milestone_id": milestone.pk, "kind": kind, "date": on.isoformat(),
               "court": record.court, "court_case_number": record.court_case_number}
    if amount is not None:
        payload.update(amount=str(amount), currency=record.currency)
    if ending:
        payload["ending"] = ending
    event_emit(type=EventType.LITIGATION_MILESTONE, case=record.case, at=now, payload=payload)
    audit_log(actor=actor, action="litigation.milestone_recorded", obj=milestone, case_id=record.case_id,
              changes={"kind": kind, "date": on.isoformat(), "amount": str(amount) if amount is not None else None,
                       "documents": len(checked)}, ip_address=ip_address)
    return milestone


def _locked_open(record: LitigationRecord) -> LitigationRecord:
    record = LitigationRecord.objects.select_for_update().select_related("case__account").get(pk=record.pk)
    _require_open(record)
    return record


# A court sets a hearing months ahead, not years: a date further out is a typing slip (9999 for 2026).
HEARING_MAX_DAYS_AHEAD = 730


def _check_date(kind: str, on, today: dt.date, record: LitigationRecord) -> dt.date:
    if not isinstance(on, dt.date):
        raise DomainError(_("Enter a date."), field="on")
    # Only a hearing is recorded ahead of time: the next hearing the court has set.
    if kind != MilestoneKind.HEARING and on > today:
        raise DomainError(_("This milestone cannot be dated in the future."), code="future_date", field="on")
    if kind == MilestoneKind.HEARING and on > today + dt.timedelta(days=HEARING_MAX_DAYS_AHEAD):
        raise DomainError(_("A hearing is set at most %(days)s days ahead: check the date."),
                          params={"days": HEARING_MAX_DAYS_AHEAD}, code="too_far_ahead", field="on")
    # Proceedings on a debt cannot come before it was overdue. (The record's own opening is no bound: a bank
    # moving its litigation into the portal records what the court did before.)
    overdue_since = record.case.overdue_since
    if overdue_since and on < overdue_since:
        raise DomainError(_("The debt was overdue from %(date)s: a milestone cannot be dated before it."),
                          params={"date": overdue_since.isoformat()}, code="before_overdue", field="on")
    return on


@transaction.atomic
def milestone_record(
    *, record: LitigationRecord, actor, kind: str, on: dt.date, amount: Decimal | None = None, note: str = "",
    documents=(), at: dt.datetime | None = None, ip_address: str | None = None,
) -> Milestone:
    """Record how the litigation went on: filed, a hearing (a future date is the next hearing), the judgment
    with its amount, enforcement applied for, an amount recovered through enforcement.

    Documents are checked by their first bytes (JPEG, PNG or PDF) and kept with their SHA-256. Amounts are in
    the record's currency. Money recovered through enforcement is reported to the core system in the event;
    it reaches the balance when the core system sends the payment, as every payment does.
    """
    litigation_require(actor)
    if kind not in PROGRESS_KINDS:
        raise DomainError(_("Choose a milestone."), field="kind")
    record = _locked_open(record)
    now = at or timezone.now()
    on = _check_date(kind, on, timezone.localdate(now), record)
    if kind in AMOUNT_KINDS:
        if amount is None:
            raise DomainError(_("Enter the amount."), field="amount")
        amount = _money(amount, field="amount", positive=True)
    elif amount is not None:
        raise DomainError(_("This milestone carries no amount."), field="amount")
    return _milestone_add(record=record, actor=actor, kind=kind, on=on, amount=amount, note=note,
                          documents=documents, at=now, ip_address=ip_address)


def _close(*, record: LitigationRecord, actor, ending: str, on: dt.date, note: str, documents, now,
           ip_address) -> Milestone:
    milestone = _milestone_add(record=record, actor=actor, kind=MilestoneKind.CLOSED, on=on, ending=ending,
                               note=note, documents=documents, at=now, ip_address=ip_address)
    record.closed_at, record.ending, record.updated_at = now, ending, now
    record.save(update_fields=["closed_at", "ending", "updated_at"])
    return milestone


def _case_in_legal(record: LitigationRecord) -> Case:
    case = Case.objects.select_related("account").get(pk=record.case_id)
    if case.stage != Stage.LEGAL:
        raise Conflict(_("The case is no longer in the legal stage."))
    return case


@transaction.atomic
def litigation_settle_in_court(*, record: LitigationRecord, actor, on: dt.date, note: str = "", documents=(),
                               at: dt.datetime | None = None, ip_address: str | None = None) -> Case:
    """Settled in court: the record closes and the case goes to negotiate, where the plan the settlement
    sets is proposed and agreed as any plan is; agreed, it is followed up, and completed, the case closes
    as settled."""
    litigation_require(actor)
    record = _locked_open(record)
    now = at or timezone.now()
    on = _check_date(MilestoneKind.CLOSED, on, timezone.localdate(now), record)
    case = _case_in_legal(record)
    _close(record=record, actor=actor, ending=Ending.SETTLED_IN_COURT, on=on, note=note, documents=documents, now=now,
           ip_address=ip_address)
    return case_transition(case=case, to=Stage.NEGOTIATE, actor=actor, reason=SETTLED_IN_COURT_REASON, at=now)


@transaction.atomic
def litigation_judgment_paid(*, record: LitigationRecord, actor, on: dt.date, note: str = "", documents=(),
                             at: dt.datetime | None = None, ip_address: str | None = None) -> Case:
    """The judgment is paid: the record closes and the case closes as settled."""
    litigation_require(actor)
    record = _locked_open(record)
    now = at or timezone.now()
    on = _check_date(MilestoneKind.CLOSED, on, timezone.localdate(now), record)
    case = _case_in_legal(record)
    _close(record=record, actor=actor, ending=Ending.JUDGMENT_PAID, on=on, note=note, documents=documents, now=now,
           ip_address=ip_address)
    return case_transition(case=case, to=Stage.CLOSED, outcome=Outcome.SETTLED, actor=actor,
                           reason=JUDGMENT_PAID_REASON, at=now)


@transaction.atomic
def litigation_withdraw(*, record: LitigationRecord, actor, reason: str, on: dt.date | None = None,
                        at: dt.datetime | None = None, ip_address: str | None = None) -> Case:
    """Withdrawn: the record closes and the case goes back to contact, with the reason on its history."""
    litigation_require(actor)
    reason = reason_required(reason)
    record = _locked_open(record)
    now = at or timezone.now()
    on = _check_date(MilestoneKind.CLOSED, on or timezone.localdate(now), timezone.localdate(now), record)
    case = _case_in_legal(record)
    _close(record=record, actor=actor, ending=Ending.WITHDRAWN, on=on, note=reason, documents=(), now=now,
           ip_address=ip_address)
    return case_transition(case=case, to=Stage.CONTACT, actor=actor, reason=reason, at=now)


def write_off_proposal_raise(*, record: LitigationRecord, milestone: Milestone, actor, reason: str):
    """A case found uncollectable goes to a write-off proposal for its whole balance, raised by whoever recorded
    it; returns the write-off, or None when none could be raised. A legal officer has no write-off limit, so it
    waits for the supervisor or manager whose limit covers it; a supervisor within their own limit writes it off
    at once. When no proposal can be raised (one is waiting already, a plan is in progress, nothing is owed, no
    role's limit covers it) the milestone stands, and the refusal is not swallowed: it is audited
    (`litigation.write_off_not_raised`, with its reason in English and its code), and the record's page and the
    legal officer's message say why (`litigation.selectors.uncollectable_write_off`)."""
    try:
        with transaction.atomic():
            return write_off_propose(case=record.case, actor=actor, reason=reason)
    except (WriteOffError, WriteOffConflict) as exc:
        # In English, as every stored reason; the message and its values are kept apart too, so that a page
        # shows it in the reader's language.
        with translation.override("en"):
            why, message = exc.message, str(exc.args[0])
            params = {name: str(value) for name, value in exc.params.items()}
        audit_log(actor=actor, action="litigation.write_off_not_raised", obj=record, case_id=record.case_id,
                  reason=why, changes={"code": exc.code, "milestone": milestone.pk, "message": message,
                                       "params": params})
        return None


@transaction.atomic
def litigation_uncollectable(*, record: LitigationRecord, actor, on: dt.date, reason: str, documents=(),
                             at: dt.datetime | None = None, ip_address: str | None = None) -> Milestone:
    """Found uncollectable (no assets, enforcement ended without recovery): the milestone is recorded and a
    write-off proposal is raised (`write_off_proposal_raise`). The case stays in legal until it is written off."""
    litigation_require(actor)
    reason = reason_required(reason)
    record = _locked_open(record)
    now = at or timezone.now()
    on = _check_date(MilestoneKind.UNCOLLECTABLE, on, timezone.localdate(now), record)
    _case_in_legal(record)
    if record.milestones.filter(kind=MilestoneKind.UNCOLLECTABLE).exists():
        raise Conflict(_("This litigation was already found uncollectable."))
    milestone = _milestone_add(record=record, actor=actor, kind=MilestoneKind.UNCOLLECTABLE, on=on, note=reason,
                               documents=documents, at=now, ip_address=ip_address)
    write_off_proposal_raise(record=record, milestone=milestone, actor=actor, reason=reason)
    return milestone


@transaction.atomic
def legal_letter_send(*, record: LitigationRecord, actor, text: str, at: dt.datetime | None = None
                      ) -> ScheduledContact:
    """A letter the legal officer wrote, sent to the cardholder by post now (contacts.delivery, which asks
    the governor again). The only contact that goes out while a case is in legal."""
    litigation_require(actor)
    record = _locked_open(record)
    case = _case_in_legal(record)
    contact = staff_letter_schedule(case=case, actor=actor, text=text, purpose=PURPOSE_LEGAL, at=at)
    task_enqueue(task="contacts.deliver", kwargs={"contact_id": contact.pk})
    return contact


def litigation_close_with_case(stop: ContactStop) -> int:
    """For `cases.contact_stops.contact_stop_register`: a case that closes while in litigation (paid in full
    through the core system's batch, recalled, written off) closes its open record too, with a closing
    milestone, in the closing transaction. A way out of litigation closes the record first and finds nothing
    here. Returns how many records it closed."""
    if not stop.closing:
        return 0
    records = list(LitigationRecord.objects.select_for_update().select_related("case__account")
                   .filter(case_id__in=stop.case_ids, closed_at__isnull=True).order_by("pk"))
    for record in records:
        _close(record=record, actor=stop.actor, ending=Ending.CASE_CLOSED, on=timezone.localdate(stop.at), note="",
               documents=(), now=stop.at, ip_address=None)
    return len(records)
