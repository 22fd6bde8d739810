"""An agent's queue: which open cases need work today, in what order, and claiming the next one.

Items come in the order of their reason (contacts due, callbacks, promises due, broken promises, new
cases, then everything else), and within a reason by days past due × amount overdue. Each capability
adds its own reason with `queue_reason_register` from its AppConfig.ready(); this module knows none of
them but the new case.
"""

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Case as SqlCase
from django.db.models import Count, DecimalField, ExpressionWrapper, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.contact_stops import contact_paused
from cases.lifecycle import Stage
from cases.models import Case, CaseHold
from cases.selectors import cases_hold_ends, cases_in_bucket, cases_visible_to
from core.db import DaysSince
from core.errors import Forbidden
from core.i18n import person_name
from staff.permissions import can_work_cases

OTHER_WORK = 90


@dataclass(frozen=True)
class QueueReason:
    code: str
    label: str
    rank: int
    # Given the end of the agent's working day, the condition a case meets when this reason applies.
    condition: Callable[[dt.datetime], Q]
    # Optionally, given case ids, since when the work under this reason has been due for each case (work
    # left undone waits in the queue, and the agent sees for how long).
    since: Callable[[list[int]], dict[int, dt.datetime]] | None = None
    # Whether the work is a contact with the cardholder. A case whose contact is paused (a promise pending,
    # a plan agreed: `cases.contact_stops`) stands under no contact reason, and is left out of the queue
    # unless some other reason (a promise falling due) applies.
    contact: bool = True


_REASONS: dict[str, QueueReason] = {}


# Cases worked elsewhere for now (placed with an outside agency): a capability registers, from its
# AppConfig.ready(), `exclusion(user) -> Q | None`, the cases to leave out of `user`'s queue.
_EXCLUSIONS: dict[str, Callable[[object], Q | None]] = {}


def queue_exclusion_register(name: str, exclusion: Callable[[object], Q | None]) -> None:
    _EXCLUSIONS[name] = exclusion


def queue_reason_register(reason: QueueReason) -> None:
    _REASONS[reason.code] = reason


def queue_reasons() -> list[QueueReason]:
    return sorted(_REASONS.values(), key=lambda reason: reason.rank)


queue_reason_register(QueueReason(
    code="new", label=_("New case"), rank=50,
    condition=lambda end_of_day: Q(stage__in=[Stage.CONFIRM, Stage.PLAN]),
))


def _end_of_day(as_of: dt.datetime, tz_name: str) -> dt.datetime:
    local = as_of.astimezone(ZoneInfo(tz_name))
    return dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time.min, ZoneInfo(tz_name))


def queue_for_agent(
    *, user, as_of: dt.datetime | None = None, stage: str | None = None, bucket: str | None = None,
    due_only: bool = False,
) -> QuerySet[Case]:
    """The cases in `user`'s queue as of `as_of`, annotated with `queue_rank` and `dpd_amount`, in order.

    A queue holds the open cases the user may see that are assigned to them or to nobody, have no
    active hold, and are not claimed by another agent right now. A case whose contact is paused (a promise
    pending, a plan agreed) is left out unless a reason other than contact applies to it.
    """
    as_of = as_of or timezone.now()
    profile = getattr(user, "profile", None)
    tz_name = profile.timezone if profile else settings.COLLECTIONS_DEFAULT_TIMEZONE
    end_of_day = _end_of_day(as_of, tz_name)
    today = as_of.astimezone(ZoneInfo(tz_name)).date()

    cases = (
        cases_visible_to(user=user)
        .exclude(stage__in=[Stage.CLOSED, Stage.LEGAL])
        .filter(Q(assigned_agent=user) | Q(assigned_agent__isnull=True))
        .exclude(pk__in=CaseHold.objects.filter(released_at__isnull=True).values("case_id"))
        .exclude(Q(claimed_until__gt=as_of) & ~Q(claimed_by=user))
    )
    for exclusion in _EXCLUSIONS.values():
        excluded = exclusion(user)
        if excluded is not None:
            cases = cases.exclude(excluded)
    if stage:
        cases = cases.filter(stage=stage)
    if bucket:
        cases = cases_in_bucket(bucket=bucket, as_of=as_of, queryset=cases)
    paused = contact_paused(holds=False)
    other_work = [reason.condition(end_of_day) for reason in queue_reasons() if not reason.contact]
    cases = cases.exclude(paused & ~reduce(operator.or_, other_work, Q(pk__in=[])))
    whens = [When(reason.condition(end_of_day) & ~paused if reason.contact else reason.condition(end_of_day),
                  then=Value(reason.rank)) for reason in queue_reasons()]
    cases = cases.annotate(
        queue_rank=SqlCase(*whens, default=Value(OTHER_WORK), output_field=IntegerField()),
        dpd_amount=ExpressionWrapper(DaysSince(today, F("overdue_since")) * F("total_overdue"),
                                     output_field=DecimalField(max_digits=24, decimal_places=2)),
    )
    if due_only:
        cases = cases.filter(queue_rank__lt=OTHER_WORK)
    return cases.order_by("queue_rank", F("dpd_amount").desc(nulls_last=True), "id")


def queue_on_hold(*, user) -> QuerySet[Case]:
    """The cases that would be in `user`'s queue but for a hold, with when the holds end (`hold_ends`,
    `hold_open_ended`), the soonest back first: the agent sees what returns to the queue, and when."""
    cases = (cases_visible_to(user=user).exclude(stage__in=[Stage.CLOSED, Stage.LEGAL])
             .filter(Q(assigned_agent=user) | Q(assigned_agent__isnull=True)))
    return cases_hold_ends(cases=cases).order_by("hold_open_ended", F("hold_ends").asc(nulls_last=True), "pk")


def queue_reason_since(*, cases) -> None:
    """Set `queue_since` on each case of a page of the queue: since when its reason's work has been due."""
    by_rank = {reason.rank: reason for reason in queue_reasons()}
    ids_by_rank: dict[int, list[int]] = {}
    for case in cases:
        ids_by_rank.setdefault(case.queue_rank, []).append(case.pk)
    since: dict[int, dt.datetime] = {}
    for rank, ids in ids_by_rank.items():
        reason = by_rank.get(rank)
        if reason is not None and reason.since is not None:
            since.update(reason.since(ids))
    for case in cases:
        case.queue_since = since.get(case.pk)


def queue_counts(*, queue: QuerySet[Case]) -> dict[str, int]:
    """How many cases of the queue stand under each reason, plus "other" and "total", in one query."""
    aggregates = {reason.code: Count("id", filter=Q(queue_rank=reason.rank)) for reason in queue_reasons()}
    aggregates["other"] = Count("id", filter=Q(queue_rank=OTHER_WORK))
    aggregates["total"] = Count("id")
    return queue.order_by().aggregate(**aggregates)


CLAIM_MINUTES = 20


@dataclass(frozen=True)
class Claim:
    holder: str
    until: dt.datetime
    mine: bool


def case_claim(*, case: Case, user, as_of: dt.datetime | None = None) -> Claim | None:
    """Who holds the claim on `case` and until when, or None when nobody does (or it has lapsed)."""
    as_of = as_of or timezone.now()
    if case.claimed_by_id is None or case.claimed_until is None or case.claimed_until <= as_of:
        return None
    holder = case.claimed_by
    return Claim(holder=person_name(holder), until=case.claimed_until,
                 mine=holder.pk == user.pk)


def queue_claim_release(*, case: Case, user) -> bool:
    """Let go of `user`'s claim on `case`; a claim someone else holds is left alone (compare-and-swap)."""
    released = Case.objects.filter(pk=case.pk, claimed_by=user).update(claimed_by=None, claimed_until=None) == 1
    if released:
        case.claimed_by, case.claimed_until = None, None
    return released


def queue_claim_next(*, user, as_of: dt.datetime | None = None, after: Case | None = None) -> Case | None:
    """Claim the first case of `user`'s queue for CLAIM_MINUTES and return it, or None when it is empty.

    Two agents asking at once never get the same case: the candidate row is locked with SKIP LOCKED and
    the claim is a compare-and-swap on the claim columns, so a case claimed meanwhile is passed over.
    Only roles that work cases may claim: a claim takes the case out of the agents' queues.
    `after` is the case the agent has just finished ("save and next"): its claim is released and it is
    not handed back, even when it is still in the queue.
    """
    if not can_work_cases(user):
        raise Forbidden("Only staff who work cases may claim one.", code="cannot_work_cases")
    as_of = as_of or timezone.now()
    until = as_of + dt.timedelta(minutes=CLAIM_MINUTES)
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=as_of) | Q(claimed_by=user)
    if after is not None:
        queue_claim_release(case=after, user=user)
    for _attempt in range(5):
        with transaction.atomic():
            queue = queue_for_agent(user=user, as_of=as_of)
            if after is not None:
                queue = queue.exclude(pk=after.pk)
            candidate = queue.select_for_update(skip_locked=True, of=("self",)).first()
            if candidate is None:
                return None
            if Case.objects.filter(free, pk=candidate.pk).update(claimed_by=user, claimed_until=until) == 1:
                candidate.claimed_by, candidate.claimed_until = user, until
                return candidate
    return None
