"""Placement by the contact policy: the escalation pass hands over, in one call per chunk, the cases its
`place_with_agency` action found due, and this places each with an agency.

The agency for a case is an approved one, under contract today, that lists the cardholder's region and
has room; of those, the one with the best recent recovery rate (ties: the most room, then the name). A
case no such agency can take stays in-house, and the answer says why. The candidate agencies' rows are
locked, in id order, while their room is counted and filled, as a placement by hand locks its agency's
row: two chunks placing at once never overfill an agency, and never deadlock on each other.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import CommissionLine, Placement
from agencies.services import placements_write
from cases.lifecycle import Stage
from cases.models import Case
from core.i18n import stored_phrase
from staff.models import Agency

RECOVERY_WINDOW_DAYS = 90
POLICY_REASON = stored_phrase("Placed by the contact policy (rule %(rule)s).")


class KeptInHouse(models.TextChoices):
    NO_AGENCY = "no_agency", _("No approved agency under contract serves the cardholder's region")
    NO_ROOM = "no_room", _("Every agency serving the cardholder's region is full")


@dataclass(frozen=True)
class PolicyPlacement:
    """A case the policy says to place, with the rule that says so, the action's cadence key (case, rule,
    cadence slot) and its cardholder's region."""

    case_id: int
    rule: str
    region: str
    key: str


@dataclass
class PolicyPlacementResult:
    placed: dict[int, str] = field(default_factory=dict)  # case id: agency name
    kept: dict[int, str] = field(default_factory=dict)  # case id: KeptInHouse value


def agencies_recovery_rates(*, agency_ids, as_of: dt.datetime) -> dict[int, Decimal]:
    """Per agency, what it recovered in the last RECOVERY_WINDOW_DAYS (net of clawbacks) over the balance placed
    with it of the placements open at some time in that window. An agency with nothing placed in the window
    has no rate (it is absent)."""
    since = as_of - dt.timedelta(days=RECOVERY_WINDOW_DAYS)
    recovered = dict(CommissionLine.objects.filter(agency_id__in=agency_ids, created_at__gt=since,
                                                   created_at__lte=as_of)
                     .order_by().values_list("agency_id").annotate(s=Sum("recovered")))
    placed = dict(Placement.objects.filter(agency_id__in=agency_ids, started_at__lte=as_of)
                  .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=since))
                  .order_by().values_list("agency_id").annotate(s=Sum("balance")))
    return {agency_id: ((recovered.get(agency_id) or Decimal("0")) / balance).quantize(Decimal("0.0001"))
            for agency_id, balance in placed.items() if balance}


def _agencies_for(regions: set[str], at: dt.datetime) -> list[Agency]:
    """The approved agencies under contract at `at` serving any of `regions`, locked in id order."""
    today = timezone.localdate(at)
    serving = Q()
    for region in regions:
        serving |= Q(regions__contains=[region])
    return list(Agency.objects.select_for_update().filter(serving, status=Agency.Status.APPROVED)
                .filter(Q(contract_start__isnull=True) | Q(contract_start__lte=today))
                .filter(Q(contract_end__isnull=True) | Q(contract_end__gte=today)).order_by("pk"))


@transaction.atomic
def placements_by_policy(*, requests: list[PolicyPlacement], actor, at: dt.datetime) -> PolicyPlacementResult:
    """Place the requested cases, each with the best agency that can take it; set-based, in the caller's
    transaction (the pass's chunk).

    A case already placed, closed meanwhile, requested twice, or placed before under the same key (back from
    its agency, it stays in-house until the action's next cadence slot) is left out of the answer: there is
    nothing to do for it. The cases are locked in id order after the agencies, as a placement by hand locks them. Each
    placement is written as a placement by hand is (`placements_write`): audited, `case.placed` emitted, the
    in-house contacts stopped.
    """
    result = PolicyPlacementResult()
    wanted = {}
    for request in requests:
        wanted.setdefault(request.case_id, request)
    regions = {request.region for request in wanted.values() if request.region}
    agencies = _agencies_for(regions, at) if regions else []
    cases = {case.pk: case for case in Case.objects.select_for_update().select_related("account")
             .filter(pk__in=list(wanted)).exclude(stage=Stage.CLOSED).order_by("pk")}
    placed = set(Placement.objects.filter(case_id__in=list(cases), ended_at__isnull=True)
                 .values_list("case_id", flat=True))
    placed |= set(Placement.objects.filter(policy_key__in=[wanted[pk].key for pk in cases])
                  .values_list("case_id", flat=True))
    held = dict(Placement.objects.filter(agency__in=agencies, ended_at__isnull=True).order_by()
                .values_list("agency_id").annotate(n=Count("id")))
    room = {agency.pk: agency.capacity - held.get(agency.pk, 0) for agency in agencies}
    rates = agencies_recovery_rates(agency_ids=[agency.pk for agency in agencies], as_of=at)
    chosen: dict[int, list[Case]] = {}
    for case_id in sorted(set(cases) - placed):
        request = wanted[case_id]
        serving = [agency for agency in agencies if request.region in (agency.regions or [])]
        if not serving:
            result.kept[case_id] = KeptInHouse.NO_AGENCY
            continue
        free = [agency for agency in serving if room[agency.pk] > 0]
        if not free:
            result.kept[case_id] = KeptInHouse.NO_ROOM
            continue
        best = min(free, key=lambda agency: (-rates.get(agency.pk, Decimal("0")), -room[agency.pk], agency.name))
        room[best.pk] -= 1
        chosen.setdefault(best.pk, []).append(cases[case_id])
        result.placed[case_id] = best.name
    by_pk = {agency.pk: agency for agency in agencies}
    for agency_id, group in chosen.items():
        agency = by_pk[agency_id]
        # One rule's reason per batch: the cases of one agency grouped by the rule that placed them.
        rules: dict[str, list[Case]] = {}
        for case in group:
            rules.setdefault(wanted[case.pk].rule, []).append(case)
        for rule, cases_of_rule in sorted(rules.items()):
            placements_write(cases=cases_of_rule, agency=agency, actor=actor, at=at, days=agency.placement_days,
                             reason=POLICY_REASON % {"rule": rule},
                             policy_keys={case.pk: wanted[case.pk].key for case in cases_of_rule})
    return result
