"""Writes to holds: placing and releasing them, hardship and breathing-space requests and their approval,
and releasing the holds whose end date has passed.

Every hold placed or released emits `hold.placed` / `hold.released` for the core system (with its kind,
start and end; for breathing space, the request to freeze interest and fees), and a dispute hold also
`dispute.opened` / `dispute.resolved`, so the core system can set the credit bureau's dispute flag.
Any insert or update of a hold marks the case for the escalation pass (a trigger, escalation 0003), so
a hold that ends is evaluated again at the next pass.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.contact_stops import StopCause, cases_contact_stop
from cases.delinquency import local_date
from cases.errors import HoldError
from cases.lifecycle import (
    APPROVED_HOLD_KINDS,
    DATED_HOLD_KINDS,
    EVIDENCE_HOLD_KINDS,
    HardshipCause,
    HoldKind,
)
from cases.models import Case, CaseHold, HoldRequest
from core.actors import SYSTEM, actor_fields
from core.errors import Forbidden, reason_required
from core.i18n import lazy_date, stored_phrase
from core.uploads import upload_content_type
from events.models import EventType
from events.services import event_emit
from staff.permissions import Capability, can

ENDED_REASON = stored_phrase("The hold ended on %(until)s.")


def hold_max_days(kind: str) -> int | None:
    """The longest a hold of `kind` may run, in days, from the settings; None when it has no limit."""
    return {HoldKind.HARDSHIP: settings.HOLDS_HARDSHIP_MAX_DAYS,
            HoldKind.BREATHING_SPACE: settings.HOLDS_BREATHING_SPACE_MAX_DAYS}.get(kind)


def _check_until(*, case: Case, kind: str, until: dt.date | None, at: dt.datetime) -> None:
    """The end date a hold of `kind` may carry, judged in the cardholder's time zone on the day of `at`."""
    if until is None:
        if kind in APPROVED_HOLD_KINDS:
            raise HoldError(_("“%(kind)s” needs an end date."), params={"kind": HoldKind(kind).label},
                            code="until_required", field="until")
        return
    if kind not in DATED_HOLD_KINDS:
        raise HoldError(_("“%(kind)s” has no end date."), params={"kind": HoldKind(kind).label},
                        code="until_not_allowed", field="until")
    today = local_date(at, case.timezone_name)
    if until < today:
        raise HoldError(_("The end date cannot be in the past."), code="until_past", field="until")
    limit = hold_max_days(kind)
    if limit is not None and until > today + dt.timedelta(days=limit):
        raise HoldError(_("“%(kind)s” lasts at most %(days)s days: until %(latest)s at the latest."),
                        params={"kind": HoldKind(kind).label, "days": limit,
                                "latest": lazy_date(today + dt.timedelta(days=limit))},
                        code="until_too_late", field="until")


def _check_cause(kind: str, cause: str) -> str:
    if kind == HoldKind.HARDSHIP and cause not in HardshipCause.values:
        raise HoldError(_("Choose the hardship's cause: medical, unemployment or disaster."), code="cause_required",
                        field="cause")
    return cause if kind == HoldKind.HARDSHIP else ""


def _evidence(*, kind: str, file, reference: str) -> dict:
    """The evidence fields of a hold or request; HoldError when a kind that needs evidence has none."""
    reference = (reference or "").strip()
    if file is None and not reference and kind in EVIDENCE_HOLD_KINDS:
        raise HoldError(_("“%(kind)s” needs evidence: upload the document or give its reference."),
                        params={"kind": HoldKind(kind).label}, code="evidence_required", field="evidence_file")
    if len(reference) > 200:
        raise HoldError(_("An evidence reference is at most 200 characters."), field="evidence_reference")
    fields = {"evidence_reference": reference}
    if file is not None:
        fields["evidence_content_type"] = upload_content_type(file=file, max_bytes=settings.HOLDS_MAX_UPLOAD_BYTES,
                                                              field="evidence_file")
        fields["evidence_file"] = file
    return fields


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _hold_payload(hold: CaseHold, *, end) -> dict:
    """Start is when the hold was placed; end is its last day (`until`) while it runs, and the moment it
    was released once it has been."""
    payload = {"hold_id": hold.pk, "kind": hold.kind, "start": _utc(hold.placed_at),
               "end": (_utc(end) if isinstance(end, dt.datetime) else end.isoformat()) if end else None,
               # Breathing space (UK Debt Respite Scheme): interest and fees are frozen while it lasts.
               "freeze_interest_and_fees": hold.kind == HoldKind.BREATHING_SPACE and hold.released_at is None}
    if hold.cause:
        payload["cause"] = hold.cause
    return payload


def _hold_write(*, case: Case, kind: str, actor, reason: str, at: dt.datetime, until=None, cause: str = "",
                evidence: dict | None = None) -> CaseHold:
    if not case.is_open:
        raise HoldError(_("A closed case cannot be put on hold."))
    who = actor_fields(actor)
    try:
        with transaction.atomic():
            hold = CaseHold(case=case, kind=kind, cause=cause, reason=reason, until=until, placed_at=at,
                            placed_by=who["actor"], placed_by_label=who["actor_label"], **(evidence or {}))
            hold.save()
    except IntegrityError as exc:
        raise HoldError(_("Case %(pk)s already has an active %(kind)s hold."),
                        params={"pk": case.pk, "kind": HoldKind(kind).label}, field="kind") from exc
    cases_contact_stop(case_ids=[case.pk], cause=StopCause.HOLD, actor=actor, at=at)
    # The hold's end, when it has one, is the end of its last day; the core system reads the date.
    event_emit(type=EventType.HOLD_PLACED, case=case, at=at, payload=_hold_payload(hold, end=until))
    if kind == HoldKind.DISPUTE:
        event_emit(type=EventType.DISPUTE_OPENED, case=case, at=at,
                   payload={"hold_id": hold.pk, "opened_at": _utc(at)})
    return hold


@transaction.atomic
def case_hold_place(
    *, case: Case, kind: str, actor, reason: str, until: dt.date | None = None, cause: str = "",
    evidence_file=None, evidence_reference: str = "", at: dt.datetime | None = None, ip_address: str | None = None,
) -> CaseHold:
    """Put an active hold of `kind` on an open case, audited. One active hold per kind; a second raises HoldError.

    Hardship and breathing space are not placed here: they are requested (`hold_request_create`) and
    placed on a supervisor's approval. Deceased and bankruptcy need evidence and never end; other holds
    may carry an end date (`until`). The case's pending calls and visits (and the policy's other
    contacts) are cancelled in the same transaction (`cases.contact_stops`); the events for the core
    system are written too.
    """
    reason = reason_required(reason)
    if kind not in HoldKind.values:
        raise HoldError(_("Unknown hold %(kind)s."), params={"kind": repr(kind)}, field="kind")
    if kind in APPROVED_HOLD_KINDS:
        raise HoldError(_("“%(kind)s” needs a supervisor's approval: request it."),
                        params={"kind": HoldKind(kind).label}, code="approval_required", field="kind")
    now = at or timezone.now()
    _check_until(case=case, kind=kind, until=until, at=now)
    evidence = _evidence(kind=kind, file=evidence_file, reference=evidence_reference)
    hold = _hold_write(case=case, kind=kind, actor=actor, reason=reason, at=now, until=until, evidence=evidence)
    audit_log(actor=actor, action="case.hold_placed", obj=hold, case_id=case.pk,
              changes={"kind": kind, "until": until.isoformat() if until else None}, reason=reason,
              ip_address=ip_address)
    return hold


@transaction.atomic
def case_hold_release(
    *, hold: CaseHold, actor, reason: str, at: dt.datetime | None = None, ip_address: str | None = None,
) -> CaseHold:
    """Release an active hold, audited. The row stays, with who released it, when and why.

    Emits `hold.released` (and `dispute.resolved` for a dispute). The update marks the case for the pass.
    """
    reason = reason_required(reason)
    who = actor_fields(actor)
    now = at or timezone.now()
    released = CaseHold.objects.filter(pk=hold.pk, released_at__isnull=True).update(
        released_at=now, released_by=who["actor"], released_by_label=who["actor_label"], release_reason=reason
    )
    if released != 1:
        raise HoldError(_("This hold has already been released."))
    hold.refresh_from_db()
    case = Case.objects.select_related("account").get(pk=hold.case_id)
    event_emit(type=EventType.HOLD_RELEASED, case=case, at=now, payload=_hold_payload(hold, end=now))
    if hold.kind == HoldKind.DISPUTE:
        event_emit(type=EventType.DISPUTE_RESOLVED, case=case, at=now,
                   payload={"hold_id": hold.pk, "opened_at": _utc(hold.placed_at), "resolved_at": _utc(now)})
    audit_log(actor=actor, action="case.hold_released", obj=hold, case_id=hold.case_id, changes={"kind": hold.kind},
              reason=reason, ip_address=ip_address)
    return hold


# --- Hardship and breathing space: requested, then approved ----------------------------------------------


@transaction.atomic
def hold_request_create(
    *, case: Case, kind: str, actor, reason: str, until: dt.date | None, cause: str = "", evidence_file=None,
    evidence_reference: str = "", at: dt.datetime | None = None, ip_address: str | None = None,
) -> HoldRequest:
    """Ask a supervisor for a hardship or breathing-space hold, with its evidence and end date. Audited.

    The request alone does not stop contact; the hold placed on approval does. One pending request per
    kind and case.
    """
    reason = reason_required(reason)
    if kind not in APPROVED_HOLD_KINDS:
        raise HoldError(_("Only hardship and breathing space are requested for approval."), field="kind")
    if not case.is_open:
        raise HoldError(_("A closed case cannot be put on hold."))
    now = at or timezone.now()
    cause = _check_cause(kind, cause)
    _check_until(case=case, kind=kind, until=until, at=now)
    evidence = _evidence(kind=kind, file=evidence_file, reference=evidence_reference)
    if CaseHold.objects.filter(case=case, kind=kind, released_at__isnull=True).exists():
        raise HoldError(_("Case %(pk)s already has an active %(kind)s hold."),
                        params={"pk": case.pk, "kind": HoldKind(kind).label}, field="kind")
    who = actor_fields(actor)
    try:
        with transaction.atomic():
            request = HoldRequest(case=case, kind=kind, cause=cause, reason=reason, until=until, requested_at=now,
                                  requested_by=who["actor"], requested_by_label=who["actor_label"], **evidence)
            request.save()
    except IntegrityError as exc:
        raise HoldError(_("“%(kind)s” is already awaiting approval on this case."),
                        params={"kind": HoldKind(kind).label}, code="request_pending", field="kind") from exc
    audit_log(actor=actor, action="case.hold_requested", obj=request, case_id=case.pk,
              changes={"kind": kind, "cause": cause, "until": until.isoformat()}, reason=reason, ip_address=ip_address)
    return request


def _decidable(request: HoldRequest, actor) -> None:
    if not can(actor, Capability.APPROVE_HOLDS):
        raise Forbidden(_("Only a supervisor approves or refuses a hold request."), code="cannot_approve_holds")
    if request.requested_by_id is not None and request.requested_by_id == getattr(actor, "pk", None):
        raise Forbidden(_("You requested this hold: another supervisor decides on it."), code="own_request")


@transaction.atomic
def hold_request_approve(
    *, request: HoldRequest, actor, note: str = "", until: dt.date | None = None, at: dt.datetime | None = None,
    ip_address: str | None = None,
) -> CaseHold:
    """Approve a pending request: the hold is placed now, until the request's end date (or the shorter or
    later `until` the supervisor sets, within the maximum counted from today). Audited.

    The request is locked, so two supervisors deciding at once cannot place it twice.
    """
    _decidable(request, actor)
    request = HoldRequest.objects.select_for_update().select_related("case__account__customer").get(pk=request.pk)
    if request.status != HoldRequest.Status.PENDING:
        raise HoldError(_("This request has already been decided."), code="already_decided")
    now = at or timezone.now()
    until = until or request.until
    _check_until(case=request.case, kind=request.kind, until=until, at=now)
    evidence = {"evidence_file": request.evidence_file.name, "evidence_content_type": request.evidence_content_type,
                "evidence_reference": request.evidence_reference}
    hold = _hold_write(case=request.case, kind=request.kind, actor=actor, reason=request.reason, at=now, until=until,
                       cause=request.cause, evidence=evidence)
    who = actor_fields(actor)
    HoldRequest.objects.filter(pk=request.pk).update(
        status=HoldRequest.Status.APPROVED, decided_by=who["actor"], decided_by_label=who["actor_label"],
        decided_at=now, decision_note=(note or "").strip(), hold=hold)
    audit_log(actor=actor, action="case.hold_request_approved", obj=request, case_id=request.case_id,
              changes={"kind": request.kind, "until": until.isoformat()}, reason=note, ip_address=ip_address)
    return hold


@transaction.atomic
def hold_request_refuse(
    *, request: HoldRequest, actor, note: str, at: dt.datetime | None = None, ip_address: str | None = None,
) -> HoldRequest:
    """Refuse a pending request, with the reason. Audited; contact goes on as before."""
    note = reason_required(note, error=HoldError, field="note")
    _decidable(request, actor)
    who = actor_fields(actor)
    now = at or timezone.now()
    refused = HoldRequest.objects.filter(pk=request.pk, status=HoldRequest.Status.PENDING).update(
        status=HoldRequest.Status.REFUSED, decided_by=who["actor"], decided_by_label=who["actor_label"],
        decided_at=now, decision_note=note)
    if refused != 1:
        raise HoldError(_("This request has already been decided."), code="already_decided")
    request.refresh_from_db()
    audit_log(actor=actor, action="case.hold_request_refused", obj=request, case_id=request.case_id,
              changes={"kind": request.kind}, reason=note, ip_address=ip_address)
    return request


# --- Holds that end ---------------------------------------------------------------------------------------

ENDED_HOLDS_SQL = """
SELECT h.id FROM cases_casehold h
JOIN cases_case c ON c.id = h.case_id
JOIN cases_account a ON a.id = c.account_id
JOIN cases_customer cu ON cu.id = a.customer_id
WHERE h.released_at IS NULL AND h.until IS NOT NULL
  AND h.until < (%s AT TIME ZONE cu.timezone)::date
ORDER BY h.id
LIMIT %s
"""


def holds_release_ended(*, at: dt.datetime | None = None, limit: int = 1000) -> int:
    """Release, as the system, every active hold whose last day (in the cardholder's time zone) has passed.

    Returns how many were released. Each hold is released in its own transaction through
    `case_hold_release` (its events, audit and the mark for the pass); a hold released meanwhile by a
    person is passed over, so the task is safe to run twice or in parallel. Holds end a handful a day,
    so one query finds them (index casehold_active_until_idx) and each is released by the one writer.
    """
    now = at or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(ENDED_HOLDS_SQL, [now, limit])
        ids = [row[0] for row in cursor.fetchall()]
    released = 0
    for hold in CaseHold.objects.filter(pk__in=ids).order_by("pk"):
        try:
            case_hold_release(hold=hold, actor=SYSTEM, at=now,
                              reason=ENDED_REASON % {"until": hold.until.isoformat()})
        except HoldError:
            continue  # released by someone else since the query
        released += 1
    return released
