"""Writes of the agencies capability: the whitelist, placements and their ends, commission and statements."""

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import CommissionLine, EndCause, Placement, Statement
from audit.services import audit_log, audit_log_many
from cases.contact_stops import StopCause, cases_contact_stop
from cases.delinquency import Bucket
from cases.lifecycle import Outcome, Stage
from cases.models import Case, Payment
from core.actors import SYSTEM, actor_fields
from core.errors import Conflict, DomainError
from core.i18n import stored_phrase
from events.models import EventType
from events.services import events_emit_bulk
from staff.models import Agency, StaffProfile
from staff.permissions import Capability, role_can

CENT = Decimal("0.01")
AGENCY_FIELDS = ("licence", "contract_start", "contract_end", "regions", "capacity", "placement_days",
                 "commission_percent", "commission_by_bucket", "recovery_tiers", "contacts",
                 "ends_placement_on_conduct_complaint")
# Why a placement ended, as stored (English) and shown through the catalogue.
END_REASONS = {
    EndCause.EXPIRED: stored_phrase("The placement period is over."),
    EndCause.AGENCY_SUSPENDED: stored_phrase("The agency was suspended."),
    EndCause.AGENCY_TERMINATED: stored_phrase("The agency was terminated."),
    EndCause.CLOSED: stored_phrase("The case was closed."),
    EndCause.COMPLAINT: stored_phrase("A conduct complaint was registered on the case."),
    EndCause.RECALLED: stored_phrase("The core system recalled the account."),
}


def _check_agency_fields(fields: dict) -> None:
    for bucket, percent in (fields.get("commission_by_bucket") or {}).items():
        if bucket not in Bucket.values:
            raise DomainError(_("Unknown bucket %(bucket)s."), params={"bucket": bucket}, field="commission_by_bucket")
        if not Decimal("0") <= Decimal(str(percent)) <= Decimal("100"):
            raise DomainError(_("A commission rate is between 0 and 100 percent."), field="commission_by_bucket")
    percent = fields.get("commission_percent")
    if percent is not None and not Decimal("0") <= Decimal(str(percent)) <= Decimal("100"):
        raise DomainError(_("A commission rate is between 0 and 100 percent."), field="commission_percent")
    start, end = fields.get("contract_start"), fields.get("contract_end")
    if start and end and end < start:
        raise DomainError(_("The contract cannot end before it starts."), field="contract_end")


@transaction.atomic
def agency_create(*, name: str, licence: str, actor, regions: list[str] | None = None,
                  commission_percent: Decimal = Decimal("10"), **fields) -> Agency:
    """Add an agency to the whitelist, approved. Audited."""
    name, licence = (name or "").strip(), (licence or "").strip()
    if not name:
        raise DomainError(_("A legal name is required."), field="name")
    if not licence:
        raise DomainError(_("A licence or registration number is required."), field="licence")
    if Agency.objects.filter(name=name).exists():
        raise DomainError(_("An agency named %(name)s already exists."), params={"name": name}, field="name")
    values = {"regions": regions or [], "commission_percent": Decimal(str(commission_percent)), **fields}
    _check_agency_fields(values)
    agency = Agency.objects.create(name=name, licence=licence, **values)
    audit_log(actor=actor, action="agency.created", obj=agency, changes={"licence": licence})
    return agency


@transaction.atomic
def agency_update(*, agency: Agency, actor, **fields) -> Agency:
    """Change an agency's contract, regions, capacity or commission schedule. Audited with what changed."""
    unknown = set(fields) - set(AGENCY_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    _check_agency_fields({"contract_start": agency.contract_start, "contract_end": agency.contract_end, **fields})
    changes = {name: str(value) for name, value in fields.items() if getattr(agency, name) != value}
    for name, value in fields.items():
        setattr(agency, name, value)
    agency.save(update_fields=list(fields) or None)
    if changes:
        audit_log(actor=actor, action="agency.updated", obj=agency, changes=changes)
    return agency


@transaction.atomic
def agency_status_change(*, agency: Agency, status: str, reason: str, actor, at: dt.datetime | None = None) -> int:
    """Approve, suspend or terminate an agency. Suspending or terminating ends its open placements at once,
    in the same transaction, with the reason. A terminated agency stays terminated. Returns the placements
    ended. Audited."""
    if status not in Agency.Status.values:
        raise DomainError(_("Unknown status."), field="status")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DomainError(_("Say why (at least 5 characters)."), code="reason_required", field="reason")
    at = at or timezone.now()
    locked = Agency.objects.select_for_update().get(pk=agency.pk)
    if locked.status == Agency.Status.TERMINATED and status != Agency.Status.TERMINATED:
        raise Conflict(_("A terminated agency cannot be approved or suspended again."), code="terminated")
    previous = locked.status
    Agency.objects.filter(pk=agency.pk).update(status=status, status_reason=reason, status_changed_at=at)
    agency.status, agency.status_reason, agency.status_changed_at = status, reason, at
    audit_log(actor=actor, action=f"agency.{status}", obj=agency, changes={"from": previous, "to": status},
              reason=reason)
    if status == Agency.Status.APPROVED:
        return 0
    cause = EndCause.AGENCY_SUSPENDED if status == Agency.Status.SUSPENDED else EndCause.AGENCY_TERMINATED
    open_cases = Placement.objects.filter(agency=agency, ended_at__isnull=True).values_list("case_id", flat=True)
    return placements_end(case_ids=list(open_cases), cause=cause, reason=reason, actor=actor, at=at)


@transaction.atomic
def placements_create(*, case_ids: Iterable[int], agency: Agency, actor, days: int | None = None, reason: str = "",
                      at: dt.datetime | None = None) -> list[Placement]:
    """Place open cases with an approved agency under contract, for `days` (the agency's default).

    All or nothing: a closed case, one already placed, or more cases than the agency has room for refuses
    the whole batch. The agency's row is locked while its room is counted, so two placements at once
    never overfill it; the one-open-placement-per-case index settles a race on one case. Claims and the
    in-house agent's assignment are released: the case leaves the in-house queues for the agency's, and
    returns to its team's queue when the placement ends. Emits `case.placed`; audited per case.
    """
    at = at or timezone.now()
    ids = sorted({int(pk) for pk in case_ids})
    if not ids:
        raise DomainError(_("Choose at least one case."), code="no_cases", field="case_ids")
    days = agency.placement_days if days is None else int(days)
    if not 1 <= days <= 366:
        raise DomainError(_("A placement lasts 1 to 366 days."), field="days")
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.status != Agency.Status.APPROVED:
        raise Conflict(_("%(agency)s is not approved; no case can be placed with it."),
                       params={"agency": agency.name}, code="agency_not_approved", field="agency")
    today = timezone.localdate(at)
    started = agency.contract_start is None or agency.contract_start <= today
    if not started or (agency.contract_end and agency.contract_end < today):
        raise Conflict(_("%(agency)s has no contract in force today."), params={"agency": agency.name},
                       code="no_contract", field="agency")
    cases = list(Case.objects.select_for_update().select_related("account__customer").filter(pk__in=ids)
                 .order_by("pk"))
    if len(cases) != len(ids):
        raise DomainError(_("Some of these cases do not exist."), code="unknown_case", field="case_ids")
    closed = [case.pk for case in cases if case.stage == Stage.CLOSED]
    if closed:
        raise Conflict(_("Closed cases cannot be placed: %(ids)s."), params={"ids": _ids(closed)}, code="closed",
                       field="case_ids")
    placed = list(Placement.objects.filter(case_id__in=ids, ended_at__isnull=True).values_list("case_id", flat=True))
    if placed:
        raise Conflict(_("Already placed with an agency: %(ids)s."), params={"ids": _ids(placed)},
                       code="already_placed", field="case_ids")
    room = agency.capacity - Placement.objects.filter(agency=agency, ended_at__isnull=True).count()
    if len(ids) > room:
        raise Conflict(_("%(agency)s has room for %(room)s more cases, not %(count)s."),
                       params={"agency": agency.name, "room": max(room, 0), "count": len(ids)},
                       code="over_capacity", field="case_ids")
    return placements_write(cases=cases, agency=agency, actor=actor, at=at, days=days, reason=reason)


def placements_write(*, cases: list[Case], agency: Agency, actor, at: dt.datetime, days: int, reason: str = "",
                     policy_keys: dict[int, str] | None = None) -> list[Placement]:
    """The writes of placing `cases` (locked, open, not placed) with `agency` (locked, approved, with room).

    For the callers that checked all that: `placements_create` and placement by the contact policy.
    Claims and the in-house agent's assignment are released, the in-house contacts stop, and each case
    is audited and emits `case.placed`.
    """
    ids = [case.pk for case in cases]
    who = actor_fields(actor)
    until = timezone.localdate(at) + dt.timedelta(days=days)
    reason = (reason or "").strip()
    rows = [Placement(case=case, agency=agency, bucket=case.bucket(at), balance=case.total_overdue,
                      currency=case.currency, started_at=at, until=until, placed_by=who["actor"],
                      placed_by_label=who["actor_label"], reason=reason,
                      policy_key=(policy_keys or {}).get(case.pk, "")) for case in cases]
    try:
        with transaction.atomic():
            placements = Placement.objects.bulk_create(rows)
    except IntegrityError as exc:
        raise Conflict(_("One of these cases was placed meanwhile; try again."), code="already_placed",
                       field="case_ids") from exc
    # The agency works it now: no in-house agent holds or claims it, and it comes back to its team's queue.
    Case.objects.filter(pk__in=ids).update(claimed_by=None, claimed_until=None, assigned_agent=None, updated_at=at)
    # The in-house call tasks and visit requests stop now; the pass plans nothing while the case is placed.
    cases_contact_stop(case_ids=ids, cause=StopCause.PLACED, actor=actor, at=at)
    audit_log_many(actor=actor, action="case.placed", reason=reason, rows=[
        (case, case.pk, {"agency": agency.name, "until": until.isoformat()}) for case in cases])
    events_emit_bulk(events=[{
        "type": EventType.CASE_PLACED, "case_id": case.pk, "account_number": case.account.account_number,
        "payload": {"agency": agency.name, "licence": agency.licence, "until": until.isoformat()}, "occurred_at": at,
    } for case in cases])
    return placements


def _ids(ids: list[int]) -> str:
    shown = ", ".join(f"#{pk}" for pk in ids[:10])
    return shown + (" …" if len(ids) > 10 else "")


@transaction.atomic
def placements_end(*, case_ids: Iterable[int], cause: str, actor, reason: str = "",
                   at: dt.datetime | None = None) -> int:
    """End the open placements of these cases, set-based, in the caller's transaction; returns how many.

    The case goes back to its in-house team's queue: a claim or assignment held by the agency's staff is
    released. Each ended placement emits `case.placement_ended` with its cause and reason, and shows on the
    case's timeline. This is the hook for every end: by hand, on expiry, on suspension, on closing, on a
    conduct complaint, and on the core system's recall (cause `recalled`).
    """
    if cause not in EndCause.values:
        raise ValueError(f"unknown cause {cause!r}")
    reason = (reason or "").strip() or END_REASONS.get(cause, "")
    if cause == EndCause.MANUAL and len(reason) < 5:
        raise DomainError(_("Say why (at least 5 characters)."), code="reason_required", field="reason")
    ids = sorted({int(pk) for pk in case_ids})
    if not ids:
        return 0
    at = at or timezone.now()
    who = actor_fields(actor)
    ending = list(Placement.objects.select_for_update().filter(case_id__in=ids, ended_at__isnull=True)
                  .select_related("agency", "case__account").order_by("case_id"))
    if not ending:
        return 0
    Placement.objects.filter(pk__in=[p.pk for p in ending]).update(
        ended_at=at, end_cause=cause, end_reason=reason, ended_by=who["actor"], ended_by_label=who["actor_label"])
    ended_ids = [p.case_id for p in ending]
    agency_staff = StaffProfile.objects.filter(agency__isnull=False).values("user_id")
    Case.objects.filter(pk__in=ended_ids, claimed_by__in=agency_staff).update(claimed_by=None, claimed_until=None)
    Case.objects.filter(pk__in=ended_ids, assigned_agent__in=agency_staff).update(assigned_agent=None)
    events_emit_bulk(events=[{
        "type": EventType.CASE_PLACEMENT_ENDED, "case_id": p.case_id, "account_number": p.case.account.account_number,
        "payload": {"agency": p.agency.name, "cause": cause, "reason": reason}, "occurred_at": at,
    } for p in ending])
    return len(ending)


def placements_expire(*, as_of: dt.datetime | None = None, chunk: int = 2000) -> int:
    """End the placements whose period is over (their `until` date has passed), in chunks. Idempotent."""
    as_of = as_of or timezone.now()
    today, done = timezone.localdate(as_of), 0
    while True:
        with transaction.atomic():
            ids = list(Placement.objects.filter(ended_at__isnull=True, until__lt=today).order_by("case_id")
                       .values_list("case_id", flat=True)[:chunk])
            if not ids:
                return done
            done += placements_end(case_ids=ids, cause=EndCause.EXPIRED, actor="placement expiry", at=as_of)


# --- reactions registered from AppConfig.ready() ----------------------------------------------------------

def placements_end_on_stop(stop) -> int:
    """contact_stop reaction: a case that closes ends its placement in the closing transaction. Closed by the
    core system's recall, the placement ends as recalled, with the recall's reason."""
    if not stop.closing:
        return 0
    if stop.outcome == Outcome.RECALLED:
        return placements_end(case_ids=stop.case_ids, cause=EndCause.RECALLED, actor=stop.actor, at=stop.at,
                              reason=stop.note)
    return placements_end(case_ids=stop.case_ids, cause=EndCause.CLOSED, actor=stop.actor, at=stop.at)


def placement_end_on_complaint(*, complaint, actor) -> int:
    """complaint reaction: a conduct complaint ends the case's placement if its agency's contract says so."""
    from complaints.models import Category

    if complaint.category != Category.CONDUCT:
        return 0
    open_here = Placement.objects.filter(case_id=complaint.case_id, ended_at__isnull=True,
                                         agency__ends_placement_on_conduct_complaint=True)
    if not open_here.exists():
        return 0
    return placements_end(case_ids=[complaint.case_id], cause=EndCause.COMPLAINT, actor=actor)


# --- commission -----------------------------------------------------------------------------------------

def commission_rate(*, agency: Agency, bucket: str) -> Decimal:
    return Decimal(str((agency.commission_by_bucket or {}).get(bucket, agency.commission_percent)))


def month_of(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment).replace(day=1)


def commission_record(*, case_ids: list[int], at: dt.datetime) -> int:
    """payments_applied reaction: a commission line for each payment of this batch (received at `at`) made
    while its case was placed, or within COMMISSION_TAIL_DAYS after the placement ended. The placement
    that counts is the latest one that started before the payment. Idempotent by (payment, kind)."""
    # Most of a batch's cases were never placed: find those that were (one index probe each) before reading
    # any payment, so a batch with none costs one small query.
    placements: dict[int, list[Placement]] = {}
    for placement in (Placement.objects.filter(case_id__in=list(case_ids))
                      .select_related("agency").order_by("case_id", "-started_at")):
        placements.setdefault(placement.case_id, []).append(placement)
    if not placements:
        return 0
    payments = list(Payment.objects.filter(case_id__in=list(placements), received_at=at).order_by("pk"))
    tail = dt.timedelta(days=settings.AGENCY_COMMISSION_TAIL_DAYS)
    lines = []
    for payment in payments:
        placement = next((p for p in placements.get(payment.case_id, []) if p.started_at <= payment.paid_at), None)
        if placement is None or (placement.ended_at is not None and payment.paid_at > placement.ended_at + tail):
            continue
        rate = commission_rate(agency=placement.agency, bucket=placement.bucket)
        lines.append(CommissionLine(
            agency=placement.agency, placement=placement, case_id=payment.case_id, payment=payment,
            bucket=placement.bucket, recovered=payment.amount, rate=rate,
            amount=(payment.amount * rate / 100).quantize(CENT, ROUND_HALF_UP), currency=payment.currency,
            statement_month=month_of(at), created_at=at))
    CommissionLine.objects.bulk_create(lines, ignore_conflicts=True)
    return len(lines)


@transaction.atomic
def commission_clawback_reversed(*, case_ids, at: dt.datetime) -> list[int]:
    """The reversal batch's reaction (`cases.ingest.reversals.payment_reversed_register`): claw back the
    commission on every payment the batch reversed, which carry the batch's moment as `reversed_at`. Follows
    no plan, so it names no case to reopen in follow-up."""
    for payment_id in Payment.objects.filter(case_id__in=case_ids, reversed_at=at).values_list("pk", flat=True):
        commission_clawback(payment_id=payment_id, actor=SYSTEM, at=at)
    return []


def commission_clawback(*, payment_id: int, actor, reason: str = "",
                        at: dt.datetime | None = None) -> CommissionLine | None:
    """Claw back the commission earned on a payment that was reversed: a negative line in the current
    statement month, whatever month the commission was in. Once per payment; None when nothing was
    earned on it. The core system's reversal calls this in its own transaction."""
    at = at or timezone.now()
    earned = CommissionLine.objects.select_for_update().filter(payment_id=payment_id,
                                                               kind=CommissionLine.Kind.COMMISSION).first()
    if earned is None:
        return None
    line, created = CommissionLine.objects.get_or_create(
        payment_id=payment_id, kind=CommissionLine.Kind.CLAWBACK,
        defaults={"agency_id": earned.agency_id, "placement_id": earned.placement_id, "case_id": earned.case_id,
                  "bucket": earned.bucket, "recovered": -earned.recovered, "rate": earned.rate,
                  "amount": -earned.amount, "currency": earned.currency, "statement_month": month_of(at),
                  "reason": (reason or "").strip() or stored_phrase("The payment was reversed."), "created_at": at})
    if created:
        audit_log(actor=actor, action="commission.clawback", obj=line, case_id=earned.case_id,
                  changes={"payment": payment_id, "amount": str(line.amount)}, reason=line.reason)
    return line


@transaction.atomic
def statement_approve(*, agency: Agency, month: dt.date, currency: str, actor) -> Statement:
    """Approve an agency's statement for a month and currency: its figures are frozen as they are now.
    A statement is approved once; the approver must be allowed to approve statements."""
    from agencies.selectors import statement_figures

    profile = getattr(actor, "profile", None)
    if profile is None or not role_can(profile.role, Capability.APPROVE_STATEMENTS):
        raise DomainError(_("Only a manager approves a statement."), code="forbidden")
    month = month.replace(day=1)
    if month >= timezone.localdate().replace(day=1):
        raise Conflict(_("A month's statement can be approved once the month is over."), code="month_open",
                       field="month")
    figures = statement_figures(agency=agency, month=month, currency=currency)
    if Statement.objects.filter(agency=agency, month=month, currency=currency).exists():
        raise Conflict(_("This statement is already approved."), code="already_approved")
    statement = Statement.objects.create(agency=agency, month=month, currency=currency,
                                         recovered=figures.recovered, commission=figures.commission,
                                         adjustment=figures.adjustment, total=figures.total, approved_by=actor)
    audit_log(actor=actor, action="statement.approved", obj=statement,
              changes={"agency": agency.name, "month": month.isoformat(), "total": str(figures.total)})
    return statement


def placement_scope(user, role: str) -> Q | None:
    """case_scope extension: an agency's staff see the cases placed with their agency, while placed."""
    if not role_can(role, Capability.WORK_PLACED_CASES):
        return None
    agency_id = user.profile.agency_id
    if agency_id is None:
        return Q(pk__in=[])
    return Q(pk__in=Placement.objects.filter(agency_id=agency_id, ended_at__isnull=True).values("case_id"))


def placed_elsewhere(user) -> Q | None:
    """queue exclusion: in-house staff leave alone the cases an agency is working."""
    profile = getattr(user, "profile", None)
    if profile is not None and role_can(profile.role, Capability.WORK_PLACED_CASES):
        return None
    return Q(pk__in=Placement.objects.filter(ended_at__isnull=True).values("case_id"))
