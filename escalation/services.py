"""The escalation pass: place open cases in tiers and schedule the contacts their policy says are due.

The pass is split into chunks of case ids. A chunk is one transaction of a few set-based statements,
so a worker killed mid-chunk leaves nothing behind, and every contact carries an idempotency key
(case, rule, cadence slot) under a unique constraint, so a chunk run twice, or two passes at once,
never schedule a contact twice.
"""

import datetime as dt
import json
from collections import Counter, namedtuple
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from cases.assignment import cases_assign_on_plan
from cases.lifecycle import Stage
from cases.services import case_transition_many
from contacts.governor import governor_evaluate, governor_facts, governor_profile_for, governor_profiles
from contacts.models import Channel, ContactStatus
from contacts.services import call_tasks_assign
from core.actors import SYSTEM
from core.bulk import pg_array
from core.i18n import stored_phrase
from core.outbox import task_enqueue
from escalation.chunk_sql import (
    CARDHOLDERS_CALLED,
    CARDHOLDERS_LOCK,
    CHUNK,
    CLEAR_PENDING,
    CONTACT_COLUMNS,
    INSERT_CONTACTS,
    PLAN,
)
from escalation.models import CaseEscalation, EscalationChunk, EscalationPending, EscalationRun, PolicyVersion
from escalation.placing import due_placements_run
from escalation.policy import PoliciesInForce, policies_in_force

PLAN_REASON = stored_phrase("Placed by the contact policy: tier, strategy and first contacts fixed.")

# A contact the governor let through, as INSERT_CONTACTS takes it (one array per column).
ContactRow = namedtuple("ContactRow", CONTACT_COLUMNS)


@lru_cache(maxsize=16)
def _row_type(names: tuple[str, ...]) -> type:
    return namedtuple("Row", names)


def _fetch_named(cursor) -> list:
    """The cursor's rows as named tuples, by the column names of its SELECT list (not their positions)."""
    row_type = _row_type(tuple(column.name for column in cursor.description))
    return [row_type._make(row) for row in cursor.fetchall()]


@dataclass
class PassSummary:
    cases_evaluated: int = 0
    tier_changes: int = 0
    scheduled: Counter = field(default_factory=Counter)  # per channel
    held_back: Counter = field(default_factory=Counter)  # per rule
    # Confirm cases that passed the checks and were placed in a tier; those failing a check wait in confirm.
    moved_to_plan: int = 0
    failing_confirm: int = 0
    cancelled: int = 0
    superseded: int = 0
    # Call tasks not scheduled because another case of the same cardholder has one pending.
    carried: int = 0
    # Cases placed with an outside agency by the policy, per agency; those its rules chose that no agency
    # could take, per reason (agencies.by_policy.KeptInHouse).
    placed: Counter = field(default_factory=Counter)
    kept_in_house: Counter = field(default_factory=Counter)

    def add(self, other: "PassSummary") -> None:
        self.cases_evaluated += other.cases_evaluated
        self.tier_changes += other.tier_changes
        self.scheduled.update(other.scheduled)
        self.held_back.update(other.held_back)
        self.moved_to_plan += other.moved_to_plan
        self.failing_confirm += other.failing_confirm
        self.cancelled += other.cancelled
        self.superseded += other.superseded
        self.carried += other.carried
        self.placed.update(other.placed)
        self.kept_in_house.update(other.kept_in_house)

    def as_dict(self) -> dict:
        return {"cases_evaluated": self.cases_evaluated, "tier_changes": self.tier_changes,
                "scheduled": dict(sorted(self.scheduled.items())), "held_back": dict(sorted(self.held_back.items())),
                "moved_to_plan": self.moved_to_plan, "failing_confirm": self.failing_confirm,
                "cancelled": self.cancelled,
                "superseded": self.superseded, "carried": self.carried,
                "placed": dict(sorted(self.placed.items())), "kept_in_house": dict(sorted(self.kept_in_house.items()))}

    @classmethod
    def from_dict(cls, data: dict) -> "PassSummary":
        return cls(cases_evaluated=data.get("cases_evaluated", 0), tier_changes=data.get("tier_changes", 0),
                   scheduled=Counter(data.get("scheduled", {})), held_back=Counter(data.get("held_back", {})),
                   moved_to_plan=data.get("moved_to_plan", 0), failing_confirm=data.get("failing_confirm", 0),
                   cancelled=data.get("cancelled", 0),
                   superseded=data.get("superseded", 0), carried=data.get("carried", 0),
                   placed=Counter(data.get("placed", {})), kept_in_house=Counter(data.get("kept_in_house", {})))


def _local_dates(as_of: dt.datetime) -> tuple[list[str], list[dt.date]]:
    """Every time zone with its local date at `as_of`: computed once here rather than per row in SQL."""
    names = sorted(available_timezones())
    return names, [as_of.astimezone(ZoneInfo(name)).date() for name in names]


def _versions(policies: PoliciesInForce) -> list[int]:
    return [policies.champion.pk] + ([policies.challenger.pk] if policies.challenger else [])


def _params(*, lo: int, hi: int, as_of: dt.datetime, policies: PoliciesInForce, pending: str,
            zones=None) -> dict:
    names, dates = zones or _local_dates(as_of)
    now = timezone.now()
    return {"as_of": as_of, "lo": lo, "hi": hi, "pending": pending, "versions": _versions(policies),
            "champion": policies.champion.pk, "challenger": policies.challenger.pk if policies.challenger else None,
            "challenger_percent": policies.challenger_percent, "zone_names": names, "zone_dates": dates,
            "now": now, "now_iso": now.isoformat()}


def _one_call_per_cardholder(cursor, due: list) -> list:
    """The due actions without the call tasks that would give a cardholder a second pending call task.

    A cardholder with three cases is called no more often than one with a single case: while a policy call
    task is pending on one of their open cases, the others' call rules wait. Working it logs an attempt,
    which marks every open case of the cardholder, and the call rests them all until the next cadence day.
    Of several due here at once, the case in the highest tier (then the oldest case) carries the call.
    Sibling cases may sit in another chunk, run at the same moment by another worker: the cardholder's row
    is locked first, and one held by another chunk means that chunk is scheduling their call. Most of the
    cardholders a daily pass meets here already have their task pending: they are found before any lock,
    so only the few who may get a call are locked (a lock writes the cardholder's row).
    """
    shared = [row for row in due if row.shared]
    if not shared:
        return due

    def called(rows) -> set[int]:
        cursor.execute(CARDHOLDERS_CALLED, {"case_ids": pg_array(row.case_id for row in rows),
                                            "customer_ids": pg_array(row.customer_id for row in rows)})
        return {customer for (customer,) in cursor.fetchall()}

    waiting = called(shared)
    open_rows = [row for row in shared if row.customer_id not in waiting]
    locked = set()
    if open_rows:
        cursor.execute(CARDHOLDERS_LOCK, {"customer_ids": pg_array(sorted({row.customer_id for row in open_rows}))})
        locked = {customer for (customer,) in cursor.fetchall()}
        # Looked at again after the lock: a chunk that held it may have committed their call meanwhile.
        waiting |= called([row for row in open_rows if row.customer_id in locked])
    carrier = {}
    for row in sorted(shared, key=lambda row: (-row.tier_rank, row.case_id)):
        if row.customer_id in locked and row.customer_id not in waiting:
            carrier.setdefault(row.customer_id, row.case_id)
    return [row for row in due if not row.shared or carrier.get(row.customer_id) == row.case_id]


def _opted_out(verdict) -> bool:
    """The contact is refused because the cardholder opted out of its channel, and for nothing that a
    fallback would not meet as well (a hold, an agreement)."""
    rules = {failure["rule"] for failure in verdict.failed}
    return "preferences" in rules and all(failure["next_permitted_at"] or failure["rule"] == "preferences"
                                          for failure in verdict.failed)


def _contact_rows(due: list, *, as_of: dt.datetime, summary: PassSummary) -> dict[str, list]:
    """Run the governor over the due actions (CHUNK's rows) and turn them into columns (PostgreSQL arrays)
    to insert."""
    facts = governor_facts(case_ids={row.case_id for row in due}, at=as_of,
                           known={row.case_id: (row.timezone, row.stage) for row in due})
    profiles = governor_profiles()
    profile_by_zone = {}
    # Most cases have no holds, recent attempts, broken promises or agreements; for them the verdict
    # depends on the channel and the time zone alone, so it is worked out once per pair.
    plain_verdicts = {}
    rows = []
    for action in due:
        case_id, channel = action.case_id, action.channel
        case_facts = facts[case_id]
        plain = not (case_facts.holds or case_facts.attempts or case_facts.broken_promises or case_facts.paused_by
                     or case_facts.preferences)
        decided = plain_verdicts.get((channel, case_facts.timezone)) if plain else None
        if decided is None:
            profile = profile_by_zone.get(case_facts.timezone)
            if profile is None:
                profile = profile_by_zone[case_facts.timezone] = governor_profile_for(tz_name=case_facts.timezone,
                                                                                      profiles=profiles)
            verdict = governor_evaluate(facts=case_facts, channel=channel, at=as_of, profile=profile)
            trail = [verdict.as_trail()]
            if action.fallback_channel and _opted_out(verdict):
                # The cardholder refused this channel for good: the policy's fallback goes instead.
                summary.held_back.update(failure["rule"] for failure in verdict.failed)
                channel = action.fallback_channel
                verdict = governor_evaluate(facts=case_facts, channel=channel, at=as_of, profile=profile)
                trail += [{"at": as_of.isoformat(), "fallback": channel, "instead_of": action.channel},
                          verdict.as_trail()]
            if verdict.allowed:
                status, due_at = ContactStatus.SCHEDULED, as_of
            elif verdict.next_permitted_at:
                status, due_at = ContactStatus.SCHEDULED, verdict.next_permitted_at
                trail.append({"at": as_of.isoformat(), "status": "scheduled", "moved_to": due_at.isoformat()})
            else:
                status, due_at = ContactStatus.HELD, as_of
            decided = (status, due_at, json.dumps(trail), [failure["rule"] for failure in verdict.failed], channel)
            if plain:
                plain_verdicts[(channel, case_facts.timezone)] = decided
        status, due_at, trail, failed_rules, channel = decided
        summary.held_back.update(failed_rules)
        assignee = (action.supervisor_id if channel == Channel.LEGAL_REVIEW
                    else action.assigned_agent_id if channel == Channel.CALL else None)
        rows.append(ContactRow(
            case_id=case_id, channel=channel, due_at=due_at, status=status, idempotency_key=action.idempotency_key,
            policy_version_id=action.version_id, rule=action.rule, strategy=action.strategy, trail=trail,
            assigned_team_id=action.assigned_team_id, assigned_to_id=assignee))
    # In key order, as the unique index takes them.
    rows.sort(key=lambda row: row.idempotency_key)
    return {name: pg_array(getattr(row, name) for row in rows) for name in CONTACT_COLUMNS}


def escalation_chunk_run(
    *, lo: int, hi: int, as_of: dt.datetime, policies: PoliciesInForce | None = None,
) -> PassSummary:
    """Look at the cases with lo <= id < hi that have something due or changed, as of `as_of`, in one transaction.

    The candidates are the cases marked in EscalationPending, those whose next due moment has come and
    those placed under a policy version no longer in force. Places each in its tier and records its next
    due moment (writing only rows that changed), schedules the policy actions due and not yet scheduled
    (through the governor; ON CONFLICT DO NOTHING on the idempotency key), runs the confirm checks on the
    cases at confirm (cases.confirm: a case failing one is recorded and waits in confirm, parked), moves the
    cases at confirm placed in a tier for the first time to plan, parks cases out of the policy's stages or
    on hold, and cancels the pending policy contacts of closed and held cases and of cases failing a check.
    Safe to run twice or in parallel.
    """
    summary = PassSummary()
    with transaction.atomic():
        policies = policies or policies_in_force(as_of=as_of)
        marks = list(EscalationPending.objects.filter(case_id__gte=lo, case_id__lt=hi)
                     .filter(Q(not_before__isnull=True) | Q(not_before__lte=as_of)).values_list("case_id", "mark"))
        params = _params(lo=lo, hi=hi, as_of=as_of, policies=policies,
                         pending=pg_array(case_id for case_id, _ in marks))
        with connection.cursor() as cursor:
            # Compiling the statement costs more than running it on a chunk; the pass runs it many times.
            cursor.execute("SET LOCAL jit = off")
            # A chunk reaches every row by key; allowed sequential scans, the planner reads whole tables to
            # join a chunk's candidates. Measured with EXPLAIN ANALYZE on a generated portfolio of 200,000
            # open cases (bench/escalation_plan.py, "escalation plan" in bench/results/latest.md): for a
            # daily-pass chunk of 10,075 candidates it hash-joined them to all 200,000 rows of cases_case to
            # find the closed and held ones (CHUNK's `cancelled`: 358 ms, against 280 ms of key probes) and
            # filtered every row of escalation_caseescalation for the due ones; the chunk took 1.15 times as
            # long (median 1,929 ms against 1,673 ms). Those scans grow with the portfolio, a chunk's
            # work does not.
            cursor.execute("SET LOCAL enable_seqscan = off")
            # The pass's own cancellations (superseded, closed, on hold) need no second look at the case
            # (escalation/migrations/0005); the setting is put back below, before the transaction goes on.
            cursor.execute("SET LOCAL escalation.in_pass = on")
            cursor.execute(CHUNK, params)
            # Every row carries the chunk's counts; the due actions, if any, fill the rest (a lone row of
            # counts has a null case_id).
            rows = _fetch_named(cursor)
            counts = rows[0]
            summary.cases_evaluated, summary.tier_changes, summary.cancelled = (
                counts.evaluated, counts.placed, counts.cancelled)
            due = [row for row in rows if row.case_id is not None]
            # The policy's placements with outside agencies go first: a case placed now gets no contact.
            due = due_placements_run(due=due, as_of=as_of, summary=summary)
            kept = _one_call_per_cardholder(cursor, due)
            summary.carried, due = len(due) - len(kept), kept
            inserted = []
            if due:
                cursor.execute(INSERT_CONTACTS, {**_contact_rows(due, as_of=as_of, summary=summary), "as_of": as_of,
                                                 "now": params["now"], "now_iso": params["now_iso"]})
                inserted = _fetch_named(cursor)
                summary.superseded = inserted[0].superseded if inserted else 0
            cursor.execute("SET LOCAL escalation.in_pass = off")
        for contact in inserted:
            summary.scheduled[contact.channel] += 1
        summary.failing_confirm = counts.failing_confirm
        if counts.to_plan:
            # Placed for the first time, the checks passed: the plan is fixed. Contact begins with the first
            # contact made (a message sent, an attempt logged), not here.
            moved = case_transition_many(case_ids=counts.to_plan, from_stages=(Stage.CONFIRM,), to=Stage.PLAN,
                                         actor=SYSTEM, reason=PLAN_REASON, at=as_of)
            summary.moved_to_plan = len(moved)
            # Placed, the case goes to an agent where its team assigns by load, or waits in the team's pool.
            assigned = cases_assign_on_plan(case_ids=moved, actor=SYSTEM, at=as_of)
            # The call task this chunk scheduled before the case had an agent goes to that agent too.
            call_tasks_assign(agents=assigned, at=as_of)
        if marks:
            waits = dict(zip(counts.untiered, counts.untiered_until, strict=True))
            with connection.cursor() as cursor:
                cursor.execute(CLEAR_PENDING, {
                    "case_ids": pg_array(case_id for case_id, _ in marks), "marks": pg_array(mark for _, mark in marks),
                    "not_before": pg_array(waits.get(case_id) for case_id, _ in marks),
                    "waiting": pg_array(counts.untiered)})
    return summary


def _stale_versions(policies: PoliciesInForce) -> list[int]:
    """Policy versions no longer in force under which some case is still placed (one index probe each)."""
    placed = CaseEscalation.objects.filter(policy_version=OuterRef("pk"))
    return list(PolicyVersion.objects.exclude(pk__in=_versions(policies)).filter(Exists(placed))
                .values_list("pk", flat=True))


def escalation_ranges(
    *, as_of: dt.datetime, policies: PoliciesInForce | None = None, chunk_size: int | None = None,
) -> list[tuple[int, int]]:
    """Id ranges [lo, hi) for the chunks of the pass at `as_of`: they cover just the cases it must look at,
    `chunk_size` of them each, so a pass with nothing due has no chunks."""
    policies = policies or policies_in_force(as_of=as_of)
    with connection.cursor() as cursor:
        cursor.execute(PLAN, {"as_of": as_of, "size": chunk_size or settings.ESCALATION_CHUNK_SIZE,
                              "stale_versions": _stale_versions(policies)})
        return [(lo, hi) for lo, hi in cursor.fetchall()]


def cases_tier_reevaluate(*, case_ids: list[int], as_of: dt.datetime | None = None) -> int:
    """Look at these cases now, one at a time, as the pass would: a broken promise or plan puts a case
    back in contact, and its tier's contacts should not wait for the next pass. Safe to run twice."""
    as_of = as_of or timezone.now()
    for case_id in sorted(set(case_ids)):
        escalation_chunk_run(lo=case_id, hi=case_id + 1, as_of=as_of)
    return len(set(case_ids))


def escalation_pass_run(
    *, as_of: dt.datetime | None = None, dry_run: bool = False, chunk_size: int | None = None,
) -> PassSummary:
    """Run the whole pass here and now, chunk after chunk (what `manage.py run_escalation` does).

    With dry_run, everything is computed and then rolled back: the summary says what a pass would do.
    """
    as_of = as_of or timezone.now()
    summary = PassSummary()
    # A real pass commits chunk by chunk; a dry run holds them all in one transaction it then rolls back.
    with transaction.atomic() if dry_run else nullcontext():
        policies = policies_in_force(as_of=as_of)
        for lo, hi in escalation_ranges(chunk_size=chunk_size, as_of=as_of, policies=policies):
            summary.add(escalation_chunk_run(lo=lo, hi=hi, as_of=as_of, policies=policies))
        if dry_run:
            transaction.set_rollback(True)
    return summary


def escalation_pass_start(*, as_of: dt.datetime | None = None, chunk_size: int | None = None) -> EscalationRun:
    """Record a pass and its chunks, and queue one task per chunk once this transaction commits."""
    from escalation.tasks import escalation_chunk

    as_of = as_of or timezone.now()
    with transaction.atomic():
        policies = policies_in_force(as_of=as_of)  # fail here, loudly, rather than in every chunk
        ranges = escalation_ranges(chunk_size=chunk_size, as_of=as_of, policies=policies)
        run = EscalationRun.objects.create(as_of=as_of, chunks_total=len(ranges))
        chunks = EscalationChunk.objects.bulk_create(
            [EscalationChunk(run=run, id_from=lo, id_to=hi) for lo, hi in ranges])
        for chunk in chunks:
            task_enqueue(task=escalation_chunk, kwargs={"chunk_id": chunk.pk}, key=f"escalation.chunk:{chunk.pk}")
    return run


def escalation_chunk_finish(*, chunk_id: int) -> bool:
    """Run one recorded chunk unless it already finished. The chunk's mark is written with its work."""
    with transaction.atomic():
        chunk = EscalationChunk.objects.select_for_update(skip_locked=True, of=("self",)).select_related("run").filter(
            pk=chunk_id, finished_at__isnull=True).first()
        if chunk is None:
            return False
        summary = escalation_chunk_run(lo=chunk.id_from, hi=chunk.id_to, as_of=chunk.run.as_of)
        chunk.summary = summary.as_dict()
        chunk.finished_at = timezone.now()
        chunk.save(update_fields=["summary", "finished_at"])
    return True


def escalation_run_summary(*, run: EscalationRun) -> tuple[PassSummary, int]:
    """The summary of a queued pass so far, and how many of its chunks finished."""
    summary = PassSummary()
    finished = 0
    for data in run.chunks.filter(finished_at__isnull=False).values_list("summary", flat=True):
        summary.add(PassSummary.from_dict(data))
        finished += 1
    return summary, finished
