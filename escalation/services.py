"""The escalation pass: place open cases in tiers and schedule the contacts their policy says are due.

The pass is split into chunks of case ids. A chunk is one transaction of a few set-based statements,
so a worker killed mid-chunk leaves nothing behind, and every contact carries an idempotency key
(case, rule, cadence slot) under a unique constraint, so a chunk run twice, or two passes at once,
never schedule a contact twice.
"""

import datetime as dt
import json
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone
from psycopg2.extras import execute_values

from cases.lifecycle import Stage
from cases.models import Case
from cases.services import case_transition_many
from contacts.governor import governor_evaluate, governor_facts, governor_profile_for, governor_profiles
from contacts.models import Channel, ContactStatus
from core.actors import SYSTEM
from core.errors import DomainError
from core.outbox import task_enqueue
from escalation.chunk_sql import CANCEL_PENDING, CANCEL_SUPERSEDED, CHUNK
from escalation.models import EscalationChunk, EscalationRun
from escalation.policy import PoliciesInForce, policies_in_force

MOVE_REASON = "First contact scheduled by the contact policy."

INSERT_CONTACTS = """
INSERT INTO contacts_scheduledcontact
    (case_id, channel, due_at, status, origin, idempotency_key, policy_version_id, rule, strategy, trail,
     assigned_team_id, assigned_to_id, delivery_attempts, last_error, created_at, updated_at)
VALUES %s
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING case_id, channel, status, rule, idempotency_key
"""


@dataclass
class PassSummary:
    cases_evaluated: int = 0
    tier_changes: int = 0
    scheduled: Counter = field(default_factory=Counter)  # per channel
    held_back: Counter = field(default_factory=Counter)  # per rule
    moved_to_contact: int = 0
    cancelled: int = 0
    superseded: int = 0

    def add(self, other: "PassSummary") -> None:
        self.cases_evaluated += other.cases_evaluated
        self.tier_changes += other.tier_changes
        self.scheduled.update(other.scheduled)
        self.held_back.update(other.held_back)
        self.moved_to_contact += other.moved_to_contact
        self.cancelled += other.cancelled
        self.superseded += other.superseded

    def as_dict(self) -> dict:
        return {"cases_evaluated": self.cases_evaluated, "tier_changes": self.tier_changes,
                "scheduled": dict(sorted(self.scheduled.items())), "held_back": dict(sorted(self.held_back.items())),
                "moved_to_contact": self.moved_to_contact, "cancelled": self.cancelled,
                "superseded": self.superseded}

    @classmethod
    def from_dict(cls, data: dict) -> "PassSummary":
        return cls(cases_evaluated=data.get("cases_evaluated", 0), tier_changes=data.get("tier_changes", 0),
                   scheduled=Counter(data.get("scheduled", {})), held_back=Counter(data.get("held_back", {})),
                   moved_to_contact=data.get("moved_to_contact", 0), cancelled=data.get("cancelled", 0),
                   superseded=data.get("superseded", 0))


def _local_dates(as_of: dt.datetime) -> tuple[list[str], list[dt.date]]:
    """Every time zone with its local date at `as_of`: computed once here rather than per row in SQL."""
    names = sorted(available_timezones())
    return names, [as_of.astimezone(ZoneInfo(name)).date() for name in names]


def _params(*, lo: int, hi: int, as_of: dt.datetime, policies: PoliciesInForce, zones=None) -> dict:
    names, dates = zones or _local_dates(as_of)
    return {"as_of": as_of, "lo": lo, "hi": hi, "champion": policies.champion.pk,
            "challenger": policies.challenger.pk if policies.challenger else None,
            "challenger_percent": policies.challenger_percent, "zone_names": names, "zone_dates": dates}


def _contact_rows(due: list[tuple], *, as_of: dt.datetime, summary: PassSummary) -> list[tuple]:
    """Run the governor over the due actions and turn them into rows to insert."""
    facts = governor_facts(case_ids={row[0] for row in due}, at=as_of,
                           known={row[0]: (row[10], row[9]) for row in due})
    profiles = governor_profiles()
    profile_by_zone = {}
    rows = []
    for case_id, channel, rule, key, version_id, strategy, team_id, agent_id, supervisor_id, _stage, _zone in due:
        case_facts = facts[case_id]
        profile = profile_by_zone.get(case_facts.timezone)
        if profile is None:
            profile = profile_by_zone[case_facts.timezone] = governor_profile_for(tz_name=case_facts.timezone,
                                                                                  profiles=profiles)
        verdict = governor_evaluate(facts=case_facts, channel=channel, at=as_of, profile=profile)
        trail = [verdict.as_trail()]
        if verdict.allowed:
            status, due_at = ContactStatus.SCHEDULED, as_of
        elif verdict.next_permitted_at:
            status, due_at = ContactStatus.SCHEDULED, verdict.next_permitted_at
            trail.append({"at": as_of.isoformat(), "status": "scheduled", "moved_to": due_at.isoformat()})
        else:
            status, due_at = ContactStatus.HELD, as_of
        for failure in verdict.failed:
            summary.held_back[failure["rule"]] += 1
        assignee = supervisor_id if channel == Channel.LEGAL_REVIEW else agent_id if channel == Channel.CALL else None
        rows.append((case_id, channel, due_at, status, "policy", key, version_id, rule, strategy, json.dumps(trail),
                     team_id, assignee, 0, "", as_of, as_of))
    return rows


class PassNeedsPostgres(DomainError):
    code = "pass_needs_postgresql"


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        raise PassNeedsPostgres("The escalation pass runs on PostgreSQL only; set DATABASE_URL to a PostgreSQL "
                                "database.")


def escalation_chunk_run(
    *, lo: int, hi: int, as_of: dt.datetime, policies: PoliciesInForce | None = None,
) -> PassSummary:
    """Evaluate the open cases with lo <= id < hi as of `as_of`, in one transaction.

    Places each case in its tier (writing only cases whose tier changed), schedules the policy actions
    due and not yet scheduled (through the governor; ON CONFLICT DO NOTHING on the idempotency key),
    moves cases that got their first contact from confirm or plan to contact, and cancels pending
    policy contacts of cases now closed or on hold. Safe to run twice or in parallel.
    """
    _require_postgres()
    summary = PassSummary()
    with transaction.atomic():
        policies = policies or policies_in_force(as_of=as_of)
        params = _params(lo=lo, hi=hi, as_of=as_of, policies=policies)
        with connection.cursor() as cursor:
            # Compiling the statement costs more than running it on a chunk; the pass runs it a hundred times.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(CHUNK, params)
            rows = cursor.fetchall()
            summary.cases_evaluated, summary.tier_changes = rows[0][:2]
            due = [row[2:] for row in rows if row[2] is not None]
            inserted = []
            if due:
                new = _contact_rows(due, as_of=as_of, summary=summary)
                inserted = execute_values(cursor.cursor, INSERT_CONTACTS, new, page_size=2000, fetch=True)
            now = timezone.now()
            if inserted:
                cursor.execute(CANCEL_SUPERSEDED, {
                    "case_ids": [row[0] for row in inserted], "rules": [row[3] for row in inserted],
                    "keys": [row[4] for row in inserted], "now": now, "now_iso": now.isoformat()})
                summary.superseded = cursor.rowcount
            cursor.execute(CANCEL_PENDING, {"lo": lo, "hi": hi, "now": now, "now_iso": now.isoformat()})
            summary.cancelled = cursor.rowcount
        for _case_id, channel, *_rest in inserted:
            summary.scheduled[channel] += 1
        stage_of = {row[0]: row[9] for row in due}
        to_move = {case_id for case_id, _channel, status, *_rest in inserted
                   if status == ContactStatus.SCHEDULED and stage_of.get(case_id) in (Stage.CONFIRM, Stage.PLAN)}
        if to_move:
            summary.moved_to_contact = len(case_transition_many(
                case_ids=to_move, from_stages=(Stage.CONFIRM, Stage.PLAN), to=Stage.CONTACT, actor=SYSTEM,
                reason=MOVE_REASON, at=as_of))
    return summary


def escalation_ranges(*, chunk_size: int | None = None) -> list[tuple[int, int]]:
    """Id ranges [lo, hi) covering every case, `chunk_size` ids each."""
    chunk_size = chunk_size or settings.ESCALATION_CHUNK_SIZE
    bounds = Case.objects.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return []
    return [(lo, min(lo + chunk_size, bounds["hi"] + 1)) for lo in range(bounds["lo"], bounds["hi"] + 1, chunk_size)]


def escalation_pass_run(
    *, as_of: dt.datetime | None = None, dry_run: bool = False, chunk_size: int | None = None,
) -> PassSummary:
    """Run the whole pass here and now, chunk after chunk (what `manage.py run_escalation` does).

    With dry_run, everything is computed and then rolled back: the summary says what a pass would do.
    """
    _require_postgres()
    as_of = as_of or timezone.now()
    summary = PassSummary()
    # A real pass commits chunk by chunk; a dry run holds them all in one transaction it then rolls back.
    with transaction.atomic() if dry_run else nullcontext():
        policies = policies_in_force(as_of=as_of)
        for lo, hi in escalation_ranges(chunk_size=chunk_size):
            summary.add(escalation_chunk_run(lo=lo, hi=hi, as_of=as_of, policies=policies))
        if dry_run:
            transaction.set_rollback(True)
    return summary


def escalation_pass_start(*, as_of: dt.datetime | None = None, chunk_size: int | None = None) -> EscalationRun:
    """Record a pass and its chunks, and queue one task per chunk once this transaction commits."""
    from escalation.tasks import escalation_chunk

    _require_postgres()
    as_of = as_of or timezone.now()
    with transaction.atomic():
        policies_in_force(as_of=as_of)  # fail here, loudly, rather than in every chunk
        ranges = escalation_ranges(chunk_size=chunk_size)
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
