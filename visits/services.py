"""Writes to visits: requests, assignment, check-in and the report. Views, tasks and tests all come here.

A visit's status changes only through `_move`, a guarded `UPDATE … WHERE status = old` that writes a
history row in the same transaction. The contact governor is asked at assignment (the time window),
at check-in and when the visit is logged as a contact attempt, so a visit happens only inside contact
hours and never while a hold or a plan pause applies.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.contact_stops import ContactStop, contact_paused
from cases.lifecycle import Stage
from cases.models import Case
from cases.selectors import cases_visible_to
from cases.services import case_transition
from contacts.governor import governor_check
from contacts.models import AttemptResult, Channel, ContactStatus, Origin, ScheduledContact
from contacts.services import ContactNotPermitted, contact_attempt_log
from core.actors import SYSTEM, actor_fields
from core.errors import Conflict, DomainError, reason_required
from core.i18n import english, stored_phrase
from core.masking import mask
from staff.models import Role
from staff.permissions import Capability, can, user_role
from visits.models import (
    VISIT_TRANSITIONS,
    NextStep,
    Visit,
    VisitHistory,
    VisitOrigin,
    VisitOutcome,
    VisitPriority,
    VisitReport,
    VisitStatus,
    Willingness,
)
from visits.uploads import visit_documents_save

# Outcomes in which nobody spoke for the cardholder: no promise or plan can come of them.
CARDHOLDER_NOT_MET = frozenset(VisitOutcome.values) - {VisitOutcome.MET_CARDHOLDER}


class VisitNotAllowed(DomainError):
    code = "visit_not_allowed"


def _reason(reason: str) -> str:
    return reason_required(reason)


def _move(*, visit: Visit, to: str, actor, reason: str = "", at: dt.datetime, **changes) -> Visit:
    """Compare-and-swap the visit's status; the loser of a race gets Conflict and nothing changes."""
    from_status = visit.status
    if to not in VISIT_TRANSITIONS[from_status]:
        raise VisitNotAllowed(_("A visit cannot move %(from_status)s → %(to)s."),
                              params={"from_status": VisitStatus(from_status).label, "to": VisitStatus(to).label},
                              field="status")
    if Visit.objects.filter(pk=visit.pk, status=from_status).update(status=to, updated_at=at, **changes) != 1:
        raise Conflict(_("Visit %(pk)s is no longer %(from_status)s; reload it and try again."),
                       params={"pk": visit.pk, "from_status": VisitStatus(from_status).label})
    VisitHistory.objects.create(visit=visit, from_status=from_status, to_status=to, reason=reason, created_at=at,
                                **actor_fields(actor))
    for name, value in {"status": to, "updated_at": at, **changes}.items():
        setattr(visit, name, value)
    return visit


# --- requests ---------------------------------------------------------------------------------------------

@transaction.atomic
def visit_request(
    *, case: Case, actor, reason: str, priority: int = VisitPriority.NORMAL, address: str = "", region: str = "",
    district: str = "", latitude: Decimal | None = None, longitude: Decimal | None = None,
    ip_address: str | None = None, at: dt.datetime | None = None,
) -> Visit:
    """Ask for a field visit to an open case. Address and region default to the cardholder's.

    Agents and supervisors request visits (field agents ask for another one through their report). A
    case has at most one open visit (a partial unique constraint); a second request raises Conflict.
    """
    if not can(actor, Capability.REQUEST_VISITS):
        raise VisitNotAllowed(_("Only agents and supervisors request field visits."), code="not_allowed")
    if not case.is_open or case.stage == Stage.LEGAL:
        raise VisitNotAllowed(_("Visits are for cases in collections."), code="case_not_in_collections")
    reason = _reason(reason)
    customer = case.account.customer
    address = (address or "").strip() or customer.address
    if not address:
        raise DomainError(_("An address is required."), code="address_required", field="address")
    if (latitude is None) != (longitude is None):
        raise DomainError(_("Give both coordinates or neither."), code="coordinates_incomplete", field="latitude")
    now = at or timezone.now()
    origin = VisitOrigin.SUPERVISOR if can(actor, Capability.PLAN_VISITS) else VisitOrigin.AGENT
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                case=case, origin=origin, reason=reason, priority=priority, address=address,
                region=(region or "").strip() or customer.region, district=(district or "").strip(),
                latitude=latitude, longitude=longitude, requested_by=actor,
                requested_by_label=actor.get_username(), created_at=now, updated_at=now,
            )
    except IntegrityError as exc:
        raise Conflict(_("This case already has an open visit."), code="visit_open") from exc
    VisitHistory.objects.create(visit=visit, from_status="", to_status=VisitStatus.REQUESTED, reason=reason,
                                created_at=now, **actor_fields(actor))
    audit_log(actor=actor, action="visit.requested", obj=visit, case_id=case.pk, reason=reason,
              changes={"priority": priority, "region": visit.region, "address": mask(address, 6)},
              ip_address=ip_address)
    return visit


# Only constants of this module are interpolated; every value is a bound parameter.
# Reasons stored in English with what they carry; registered here, at import, to be shown translated.
ASSIGNED_REASON = stored_phrase("Assigned to %(agent)s")
REASSIGNED_REASON = stored_phrase("Reassigned to %(agent)s")
ANOTHER_VISIT_REASON = stored_phrase("Another visit after visit %(visit)s.")
# Reasons the statements below store; the rule code follows the prefix.
POLICY_VISIT = "Contact policy: "
stored_phrase(POLICY_VISIT + "%(rule)s")
LEFT_COLLECTIONS = stored_phrase("The case left collections.")

FROM_ESCALATION = f"""
WITH source AS (
    SELECT sc.id AS contact_id, sc.case_id, sc.rule, cu.address, cu.region
    FROM contacts_scheduledcontact sc
    JOIN cases_case c ON c.id = sc.case_id
    JOIN cases_account a ON a.id = c.account_id
    JOIN cases_customer cu ON cu.id = a.customer_id
    WHERE sc.id = ANY(%(contact_ids)s::bigint[]) AND sc.status = '{ContactStatus.SCHEDULED}'
    ORDER BY sc.id
),
inserted AS (
    INSERT INTO visits_visit (case_id, scheduled_contact_id, origin, reason, priority, address, region, district,
                              status, outcome, requested_by_label, created_at, updated_at)
    SELECT case_id, contact_id, '{VisitOrigin.ESCALATION}', '{POLICY_VISIT}' || rule,
           CASE WHEN rule LIKE 'T4%%' THEN {VisitPriority.HIGH} ELSE {VisitPriority.NORMAL} END,
           address, region, '', '{VisitStatus.REQUESTED}', '', '{SYSTEM}', %(now)s, %(now)s
    FROM source
    -- a case with an open visit already gets no second one (visit_one_open_per_case)
    ON CONFLICT DO NOTHING
    RETURNING id, reason
)
INSERT INTO visits_visithistory (visit_id, from_status, to_status, actor_label, reason, created_at)
SELECT id, '', '{VisitStatus.REQUESTED}', '{SYSTEM}', reason, %(now)s FROM inserted
"""  # noqa: S608


def _visit_contacts_to_request(limit: int) -> list[int]:
    """The policy's pending visit contacts not yet requested, of cases in collections whose contact is not
    paused (a hold, a complaint, a promise pending, a plan agreed): those wait until the pause ends."""
    requested = Visit.objects.filter(scheduled_contact=OuterRef("pk"))
    # Correlated, so that only the contacts left after the cheaper conditions are looked at.
    paused = Case.objects.filter(pk=OuterRef("case_id")).filter(contact_paused())
    return list(ScheduledContact.objects.filter(channel=Channel.VISIT, status=ContactStatus.SCHEDULED,
                                                origin=Origin.POLICY)
                .exclude(case__stage__in=(Stage.CLOSED, Stage.LEGAL))
                .exclude(Exists(requested))
                .exclude(Exists(paused))
                .order_by("pk").values_list("pk", flat=True)[:limit])


def visits_from_escalation(*, limit: int = 10_000, at: dt.datetime | None = None) -> int:
    """Turn the contact policy's pending visit contacts (T3, T4) into visit requests. Returns how many.

    Two statements per call, whatever the number of requests; idempotent (a contact becomes at most one
    visit, by a unique constraint) and safe to run in parallel. A contact that found an open visit for
    its case, or whose case's contact is paused, is looked at again on the next run.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The pause's subqueries inflate the planner's estimate, and compiling the query then costs
                # ten times more than running it; the escalation chunk turns JIT off for the same reason.
                cursor.execute("SET LOCAL jit = off")
        contact_ids = _visit_contacts_to_request(limit)
        if not contact_ids:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(FROM_ESCALATION, {"contact_ids": contact_ids, "now": at or timezone.now()})
            return cursor.rowcount


WITHDRAW_OUT_OF_COLLECTIONS = f"""
WITH target AS (
    SELECT v.id, v.status FROM visits_visit v JOIN cases_case c ON c.id = v.case_id
    WHERE v.status IN ('{VisitStatus.REQUESTED}', '{VisitStatus.ASSIGNED}')
      AND c.stage IN ('{Stage.CLOSED}', '{Stage.LEGAL}')
    FOR UPDATE OF v
),
withdrawn AS (
    UPDATE visits_visit v SET status = '{VisitStatus.CANCELLED}', updated_at = %(now)s
    FROM target t WHERE v.id = t.id AND v.status = t.status
    RETURNING v.id
)
INSERT INTO visits_visithistory (visit_id, from_status, to_status, actor_label, reason, created_at)
SELECT t.id, t.status, '{VisitStatus.CANCELLED}', '{SYSTEM}', '{LEFT_COLLECTIONS}', %(now)s
FROM target t JOIN withdrawn w ON w.id = t.id
"""  # noqa: S608


def visits_withdraw_out_of_collections(*, at: dt.datetime | None = None) -> int:
    """Cancel the visits not yet started of cases now closed or in legal, with a history row each.

    One statement; a visit checked in meanwhile is left to its agent. Returns how many were cancelled.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(WITHDRAW_OUT_OF_COLLECTIONS, {"now": at or timezone.now()})
        return cursor.rowcount


# --- assignment -------------------------------------------------------------------------------------------

def visit_needs_two_agents(*, visit: Visit) -> bool:
    """Policy: two field agents for large debts, and after a visit to the case was judged unsafe."""
    return visit.pk in visits_needing_two_agents(visits=[visit])


def visits_needing_two_agents(*, visits) -> set[int]:
    """The ids of those `visits` that policy sends two field agents to, in two queries for a whole board."""
    case_ids = {visit.case_id for visit in visits}
    large = set(Case.objects.filter(pk__in=case_ids, total_overdue__gte=settings.VISITS_TWO_AGENTS_FROM)
                .values_list("pk", flat=True))
    unsafe = set(Visit.objects.filter(case_id__in=case_ids - large, outcome=VisitOutcome.UNSAFE)
                 .values_list("case_id", flat=True))
    return {visit.pk for visit in visits if visit.case_id in large | unsafe}


def visit_window(*, visit: Visit, day: dt.date, start: dt.time, end: dt.time) -> tuple[dt.datetime, dt.datetime]:
    """The window in UTC, for times given in the cardholder's time zone."""
    zone = ZoneInfo(visit.case.account.customer.timezone)
    return (dt.datetime.combine(day, start, tzinfo=zone).astimezone(dt.UTC),
            dt.datetime.combine(day, end, tzinfo=zone).astimezone(dt.UTC))


def _check_field_agent(user, field: str):
    if user is None or user_role(user) != Role.FIELD_AGENT or not user.is_active:
        raise DomainError(_("Choose an active field agent."), code="not_a_field_agent", field=field)


@transaction.atomic
def visit_assign(
    *, visit: Visit, agent, day: dt.date, start: dt.time, end: dt.time, actor, second_agent=None,
    ip_address: str | None = None, at: dt.datetime | None = None,
) -> Visit:
    """Give a requested (or reassign an assigned) visit to a field agent for a date and time window.

    The window is in the cardholder's time zone and must lie inside contact hours with no hold or plan
    pause on the case (the governor, channel visit, at both ends): otherwise ContactNotPermitted. When
    policy asks for two agents (`visit_needs_two_agents`) a second, different agent is required.
    """
    if not can(actor, Capability.PLAN_VISITS) or not cases_visible_to(user=actor).filter(pk=visit.case_id).exists():
        raise VisitNotAllowed(_("Only the case's supervisor assigns visits."), code="not_allowed")
    _check_field_agent(agent, "agent")
    if second_agent is not None:
        _check_field_agent(second_agent, "second_agent")
        if second_agent.pk == agent.pk:
            raise DomainError(_("The second agent must be someone else."), code="same_agent", field="second_agent")
    elif visit_needs_two_agents(visit=visit):
        raise DomainError(_("Policy asks for two field agents on this visit."), code="two_agents_required",
                          field="second_agent")
    if end <= start:
        raise DomainError(_("The window must end after it starts."), code="window_invalid", field="end")
    window_start, window_end = visit_window(visit=visit, day=day, start=start, end=end)
    now = at or timezone.now()
    if window_end <= now:
        raise DomainError(_("The window is in the past."), code="window_past", field="day")
    for moment in (window_start, window_end - dt.timedelta(minutes=1)):
        verdict = governor_check(case=visit.case, channel=Channel.VISIT, at=moment)
        if not verdict.allowed:
            raise ContactNotPermitted(verdict)
    reassigning = visit.status == VisitStatus.ASSIGNED
    _move(visit=visit, to=VisitStatus.ASSIGNED, actor=actor, at=now,
          reason=(REASSIGNED_REASON if reassigning else ASSIGNED_REASON)
          % {"agent": agent.get_username()},
          assigned_to=agent, second_agent=second_agent, scheduled_for=day, window_start=window_start,
          window_end=window_end)
    audit_log(actor=actor, action="visit.reassigned" if reassigning else "visit.assigned", obj=visit,
              case_id=visit.case_id, ip_address=ip_address,
              changes={"agent": agent.get_username(), "second_agent": second_agent.get_username() if second_agent
                       else None, "window": [window_start.isoformat(), window_end.isoformat()]})
    return visit


def visits_auto_assign(
    *, actor, day: dt.date, start: dt.time, end: dt.time, at: dt.datetime | None = None,
) -> tuple[list[Visit], list[tuple[Visit, str]]]:
    """Assign every requested visit the actor plans to the least-loaded field agents of its region.

    Load is the agent's visits already on that day. Most urgent requests go first. Each assignment is its
    own transaction through `visit_assign`, so one refused by the governor leaves the others assigned.
    Returns (assigned, [(visit, why it was skipped)]).
    """
    from staff.models import StaffProfile
    from visits.selectors import visits_load, visits_visible_to

    requests = list(visits_visible_to(user=actor).filter(status=VisitStatus.REQUESTED)
                    .order_by("priority", "created_at", "id"))
    agents_by_region: dict[str, list] = {}
    for profile in StaffProfile.objects.filter(role=Role.FIELD_AGENT, user__is_active=True).select_related("user"):
        agents_by_region.setdefault(profile.region.strip(), []).append(profile.user)
    load = visits_load(day=day)
    assigned, skipped = [], []
    for visit in requests:
        candidates = sorted(agents_by_region.get(visit.region.strip(), []),
                            key=lambda user: (load.get(user.pk, 0), user.get_username()))
        needed = 2 if visit_needs_two_agents(visit=visit) else 1
        if len(candidates) < needed:
            skipped.append((visit, "No field agent free in this region."))
            continue
        try:
            visit_assign(visit=visit, agent=candidates[0], second_agent=candidates[1] if needed == 2 else None,
                         day=day, start=start, end=end, actor=actor, at=at)
        except DomainError as exc:
            skipped.append((visit, exc.message))
            continue
        for user in candidates[:needed]:
            load[user.pk] = load.get(user.pk, 0) + 1
        assigned.append(visit)
    return assigned, skipped


@transaction.atomic
def visit_cancel(*, visit: Visit, actor, reason: str, ip_address: str | None = None) -> Visit:
    """Withdraw a visit that has not started. The policy's contact it answered is left as it was."""
    if not can(actor, Capability.PLAN_VISITS) or not cases_visible_to(user=actor).filter(pk=visit.case_id).exists():
        raise VisitNotAllowed(_("Only the case's supervisor cancels visits."), code="not_allowed")
    reason = _reason(reason)
    _move(visit=visit, to=VisitStatus.CANCELLED, actor=actor, reason=reason, at=timezone.now())
    audit_log(actor=actor, action="visit.cancelled", obj=visit, case_id=visit.case_id, reason=reason,
              ip_address=ip_address)
    return visit


# --- the field agent's visit ------------------------------------------------------------------------------

def _check_visitor(visit: Visit, actor, *, status: str) -> None:
    """The actor is one of the visit's agents and the visit is (still) in `status`.

    The row is locked so that the two agents of a visit cannot both report it: the second waits, then
    finds it done and gets Conflict.
    """
    if actor.pk not in (visit.assigned_to_id, visit.second_agent_id):
        raise VisitNotAllowed(_("Only the visit's field agents record it."), code="not_allowed")
    current = Visit.objects.select_for_update().values_list("status", flat=True).get(pk=visit.pk)
    if current != visit.status:
        raise Conflict(_("Visit %(pk)s is %(current)s now; reload it."),
                       params={"pk": visit.pk, "current": VisitStatus(current).label})
    if current != status:
        raise VisitNotAllowed(_("The visit is %(current)s, not %(status)s."),
                              params={"current": VisitStatus(current).label, "status": VisitStatus(status).label},
                              code="visit_status")


@transaction.atomic
def visit_check_in(
    *, visit: Visit, actor, latitude: Decimal | None = None, longitude: Decimal | None = None,
    at: dt.datetime | None = None, ip_address: str | None = None,
) -> Visit:
    """The field agent arrives: record the time and, if the phone gave them, the coordinates.

    The governor must allow a visit now (contact hours, no hold, no plan pause): otherwise
    ContactNotPermitted, and the agent should not knock.
    """
    _check_visitor(visit, actor, status=VisitStatus.ASSIGNED)
    now = at or timezone.now()
    verdict = governor_check(case=visit.case, channel=Channel.VISIT, at=now)
    if not verdict.allowed:
        raise ContactNotPermitted(verdict)
    _move(visit=visit, to=VisitStatus.CHECKED_IN, actor=actor, at=now, checked_in_at=now,
          check_in_latitude=latitude, check_in_longitude=longitude)
    audit_log(actor=actor, action="visit.checked_in", obj=visit, case_id=visit.case_id, ip_address=ip_address,
              changes={"with_coordinates": latitude is not None})
    return visit


def _attempt_result(outcome: str, next_step: str, willingness: str) -> str:
    if outcome == VisitOutcome.MET_CARDHOLDER:
        if next_step == NextStep.PROMISE:
            return AttemptResult.PROMISE
        return AttemptResult.REFUSED if willingness == Willingness.REFUSES else AttemptResult.RIGHT_PARTY
    if outcome == VisitOutcome.THIRD_PARTY:
        return AttemptResult.THIRD_PARTY
    if outcome in (VisitOutcome.MOVED, VisitOutcome.ADDRESS_INVALID):
        return AttemptResult.WRONG_NUMBER  # the contact point is invalid, as a wrong number is
    return AttemptResult.NO_ANSWER


def _check_report(report: dict, *, case: Case, today: dt.date) -> dict:
    outcome, next_step = report.get("outcome"), report.get("next_step") or ""
    if outcome not in VisitOutcome.values:
        raise DomainError(_("Choose the outcome of the visit."), code="outcome_required", field="outcome")
    if next_step not in NextStep.values:
        raise DomainError(_("Unknown next step."), field="next_step")
    if outcome in CARDHOLDER_NOT_MET and next_step in (NextStep.PROMISE, NextStep.PLAN):
        raise DomainError(_("Only the cardholder can promise or negotiate; nothing is discussed with anyone else."),
                          code="cardholder_not_met", field="next_step")
    if next_step == NextStep.PROMISE:
        amount, date = report.get("promise_amount"), report.get("promise_date")
        if not isinstance(amount, Decimal) or amount <= 0:
            raise DomainError(_("A promise needs a positive amount."), code="promise_amount", field="promise_amount")
        if amount > case.total_overdue_value():
            raise DomainError(_("A promise cannot exceed the amount overdue."), code="promise_amount",
                              field="promise_amount")
        if date is None or date < today:
            raise DomainError(_("A promise needs a date from today on."), code="promise_date", field="promise_date")
    return report


@transaction.atomic
def visit_complete(
    *, visit: Visit, actor, report: dict, documents: list | None = None, at: dt.datetime | None = None,
    ip_address: str | None = None,
) -> Visit:
    """The field agent files the report of a checked-in visit, and the case follows.

    `report` holds the VisitReport fields (the verification checklist, outcome, next step, promise).
    The visit is logged as a contact attempt at its check-in time through `contact_attempt_log`, so
    the governor's verdict stays on record and the policy's visit contact is marked done. Then the next
    step: a promise goes to `visit_promise_hand_over`; plan negotiation moves the case to negotiate;
    another visit is requested; a legal-review recommendation becomes a review task for the supervisor.
    Uploaded files are checked (type by content, size) before anything is written.
    """
    _check_visitor(visit, actor, status=VisitStatus.CHECKED_IN)
    now = at or timezone.now()
    case = Case.objects.select_related("account__customer", "assigned_team").get(pk=visit.case_id)
    today = now.astimezone(ZoneInfo(case.timezone_name)).date()
    report = _check_report(report, case=case, today=today)
    outcome, next_step = report["outcome"], report.get("next_step") or ""
    contact_attempt_log(
        case=case, channel=Channel.VISIT, actor=actor, occurred_at=visit.checked_in_at or now, now=now,
        result=_attempt_result(outcome, next_step, report.get("willingness") or ""),
        notes=VisitOutcome(outcome).label, scheduled_contact=visit.scheduled_contact,
    )
    fields = {name: report[name] for name in (
        "identity_method", "amount_confirmed", "delinquency_reason", "willingness", "attitude", "others_present",
        "plan_interest", "notes") if report.get(name) is not None}
    if next_step == NextStep.PROMISE:
        fields.update(promise_amount=report["promise_amount"], promise_currency=case.currency,
                      promise_date=report["promise_date"])
    saved = VisitReport.objects.create(visit=visit, outcome=outcome, next_step=next_step, created_at=now,
                                       author=actor, author_label=actor.get_username(), **fields)
    stored = visit_documents_save(visit=visit, files=documents or [], actor=actor, at=now)
    _move(visit=visit, to=VisitStatus.COMPLETED, actor=actor, at=now, reason=english(VisitOutcome(outcome).label),
          completed_at=now, outcome=outcome)
    if case.stage in (Stage.CONFIRM, Stage.PLAN):
        case = case_transition(case=case, to=Stage.CONTACT, actor=actor, reason=stored_phrase("Field visit made."),
                               at=now)
    _next_step(visit=visit, case=case, report=saved, actor=actor, at=now)
    audit_log(actor=actor, action="visit.completed", obj=visit, case_id=case.pk, ip_address=ip_address,
              changes={"outcome": outcome, "next_step": next_step, "documents": len(stored),
                       "promise_amount": str(saved.promise_amount) if saved.promise_amount else None})
    return visit


def _next_step(*, visit: Visit, case: Case, report: VisitReport, actor, at: dt.datetime) -> None:
    if report.next_step == NextStep.PROMISE:
        visit_promise_hand_over(visit=visit, case=case, report=report, actor=actor, at=at)
    elif report.next_step == NextStep.PLAN:
        if case.stage in (Stage.CONTACT, Stage.FOLLOW_UP):
            case_transition(case=case, to=Stage.NEGOTIATE, actor=actor, at=at,
                            reason=stored_phrase("The cardholder asked for a repayment plan on a field visit."))
    elif report.next_step == NextStep.ANOTHER_VISIT:
        visit_request(case=case, actor=actor,
                      reason=ANOTHER_VISIT_REASON % {"visit": visit.pk},
                      priority=VisitPriority.NORMAL, address=visit.address, region=visit.region,
                      district=visit.district, latitude=visit.latitude, longitude=visit.longitude, at=at)
    elif report.next_step == NextStep.LEGAL_REVIEW:
        visit_legal_review_recommend(visit=visit, case=case, actor=actor, at=at)


def visit_promise_hand_over(*, visit: Visit, case: Case, report: VisitReport, actor, at: dt.datetime) -> None:
    """A promise taken on a visit becomes a promise to pay like any other (channel visit), which then owns
    the case's move to follow-up, the promise.taken event and the keep-or-break check."""
    from repayment_plans.promises import promise_take

    promise_take(case=case, amount=report.promise_amount, due_date=report.promise_date, channel=Channel.VISIT,
                 actor=actor, at=at, note=f"Taken on field visit {visit.pk}.")


def visit_legal_review_recommend(*, visit: Visit, case: Case, actor, at: dt.datetime) -> ScheduledContact:
    """A pre-litigation review task for the team's supervisor, decided in `escalation.review` like T5's."""
    team = case.assigned_team
    contact, _created = ScheduledContact.objects.get_or_create(
        idempotency_key=f"visit:{visit.pk}:legal_review",
        defaults={"case": case, "channel": Channel.LEGAL_REVIEW, "due_at": at, "origin": Origin.STAFF,
                  "rule": "visit.legal_review", "assigned_team": team,
                  "assigned_to_id": team.supervisor_id if team else None,
                  "trail": [{"at": at.isoformat(), "recommended_by": actor.get_username(), "visit": visit.pk}],
                  "created_at": at, "updated_at": at},
    )
    return contact



def visits_stop(stop: ContactStop) -> int:
    """Cancel the visits not yet started of cases whose contact stops (`cases.contact_stops`).

    Requested and assigned visits are cancelled with a history row that gives the cause; an assigned one
    thereby leaves its field agent's day, where the reason is shown. A visit already checked in is left
    to its agent, who is at the door. Set-based: the visits are locked, then moved in one statement.
    """
    target = list(Visit.objects.select_for_update().filter(
        case_id__any=list(stop.case_ids), status__in=(VisitStatus.REQUESTED, VisitStatus.ASSIGNED))
        .order_by("pk").values_list("pk", "status"))
    if not target:
        return 0
    Visit.objects.filter(pk__any=[pk for pk, _status in target]).update(status=VisitStatus.CANCELLED,
                                                                        updated_at=stop.at)
    who = actor_fields(stop.actor)
    VisitHistory.objects.bulk_create([
        VisitHistory(visit_id=pk, from_status=status, to_status=VisitStatus.CANCELLED, reason=stop.reason,
                     created_at=stop.at, **who) for pk, status in target])
    return len(target)
