"""Negotiation authority: which role may agree to which plan on its own, and who must approve the rest."""

from repayment_plans.calculator import Schedule
from repayment_plans.models import AuthorityLimit
from staff.models import Role
from staff.permissions import Capability, role_can

# The roles that approve plans beyond a proposer's authority, lowest first (Role lists them by seniority).
APPROVER_ROLES = tuple(role for role in Role.values if role_can(role, Capability.APPROVE_PLANS))


def authority_limits() -> dict[str, AuthorityLimit]:
    return {limit.role: limit for limit in AuthorityLimit.objects.all()}


def authority_covers(*, limit: AuthorityLimit | None, schedule: Schedule) -> bool:
    """Whether a role with `limit` may agree to `schedule` on its own."""
    return (limit is not None and schedule.months <= limit.max_months
            and schedule.charges_waiver_percent <= limit.max_charges_waiver_percent
            and schedule.principal_waiver_percent <= limit.max_principal_waiver_percent)


def authority_required_role(*, schedule: Schedule, limits: dict[str, AuthorityLimit] | None = None) -> str | None:
    """The lowest approver role whose authority covers `schedule`; None when no role's does."""
    limits = authority_limits() if limits is None else limits
    for role in APPROVER_ROLES:
        if authority_covers(limit=limits.get(role), schedule=schedule):
            return role
    return None
