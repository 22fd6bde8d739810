"""Reads of the escalation pass's work: a case's plan as the case page shows it."""

from dataclasses import dataclass

from django.utils.translation import pgettext_lazy

from audit.models import AuditRecord
from cases.models import Case
from contacts.models import ContactStatus, ScheduledContact
from escalation.models import CaseEscalation, PolicyTier

NEXT_ACTIONS = 5

# The default policy's tier names (escalation.defaults) in the reader's language; a name someone typed
# into a policy of their own is shown as typed.
TIER_NAMES = {
    "Reminder": pgettext_lazy("policy tier", "Reminder"),
    "Call": pgettext_lazy("policy tier", "Call"),
    "Intensive": pgettext_lazy("policy tier", "Intensive"),
    "Field": pgettext_lazy("policy tier", "Field"),
    "Legal review": pgettext_lazy("policy tier", "Legal review"),
}


@dataclass(frozen=True)
class CasePlan:
    placement: CaseEscalation | None
    tier_name: str  # in the reader's language where it is the default policy's
    next_actions: list  # ScheduledContact, soonest first
    assigned_by_load: bool = False  # the case's agent was given it by the pass, by load (cases.assignment)


def case_plan(*, case: Case) -> CasePlan:
    """The case's plan: where the pass placed it (tier, strategy, since when) and the next contacts scheduled."""
    placement = CaseEscalation.objects.filter(case_id=case.pk).select_related("policy_version__policy").first()
    tier_name = ""
    if placement is not None:
        tier_name = (PolicyTier.objects.filter(version_id=placement.policy_version_id, rank=placement.tier_rank)
                     .values_list("name", flat=True).first() or "")
    actions = list(ScheduledContact.objects.filter(case_id=case.pk, status=ContactStatus.SCHEDULED)
                   .select_related("assigned_to").order_by("due_at", "id")[:NEXT_ACTIONS])
    by_load = False
    if case.assigned_agent_id is not None:
        last = (AuditRecord.objects.filter(case_id=case.pk, action__in=("case.assigned_by_load", "case.reassigned"))
                .order_by("-at", "-id").values_list("action", "changes").first())
        by_load = bool(last) and last[0] == "case.assigned_by_load" and last[1]["to"]["agent"] == case.assigned_agent_id
    return CasePlan(placement=placement, tier_name=TIER_NAMES.get(tier_name, tier_name), next_actions=actions,
                    assigned_by_load=by_load)


def case_self_service_links(*, case_id: int) -> bool:
    """Whether the tier the pass placed the case in lets messages carry links to the cardholder's own page.

    A case the pass has not placed yet follows the tiers' default (on)."""
    placed = CaseEscalation.objects.filter(case_id=case_id).values("policy_version_id", "tier_code").first()
    if placed is None:
        return True
    on = (PolicyTier.objects.filter(version_id=placed["policy_version_id"], code=placed["tier_code"])
          .values_list("self_service_links", flat=True).first())
    return True if on is None else on
