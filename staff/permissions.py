"""Who may do what: one table of capabilities by role, asked by views, services, the API and templates.

Which cases a user sees (their scope) is decided in cases.selectors; this table says what a role may do
with the cases and pages it sees. A new role (an outside agency's agent, say) is a new column here, not
a new set of role names in each app.
"""

from enum import StrEnum

from core.actors import Cardholder
from staff.models import Role


class Capability(StrEnum):
    WORK_CASES = "work_cases"                # log contacts, notes, holds, complaints; claim from the queue
    HAVE_QUEUE = "have_queue"                # a queue of cases to work, and Next case
    TAKE_PROMISES = "take_promises"          # take a promise to pay, propose a plan
    AUTHORISE_CONTACT_EXCEPTIONS = "authorise_contact_exceptions"  # allow beforehand a contact the rules refuse
    APPROVE_PLANS = "approve_plans"          # approve a plan beyond the proposer's authority (any, under four eyes)
    PROPOSE_WRITE_OFFS = "propose_write_offs"  # propose writing off a case's whole balance (within own limit: done)
    APPROVE_WRITE_OFFS = "approve_write_offs"  # approve or reject another person's write-off within own limit
    DECIDE_REFERRALS = "decide_referrals"    # answer an agent's referral
    DECIDE_REVIEWS = "decide_reviews"        # accept or decline a pre-litigation review
    RELEASE_HOLDS = "release_holds"          # release a hold; resolve complaints and disputes
    APPROVE_HOLDS = "approve_holds"          # approve or refuse a hardship or breathing-space request
    WORK_SPECIALIST_CASES = "work_specialist_cases"  # the specialist queue: deceased and bankruptcy cases
    FIX_CONFIRM_EXCEPTIONS = "fix_confirm_exceptions"  # the exceptions list: cases failing a confirm check
    REQUEST_VISITS = "request_visits"        # ask for a field visit on a case
    PLAN_VISITS = "plan_visits"              # the visits board: assign, reassign, cancel
    MAKE_VISITS = "make_visits"              # a day of visits: check in and report
    VIEW_DASHBOARDS = "view_dashboards"      # dashboards and their exports
    MANAGE_TEAMS = "manage_teams"            # bulk reassignment, the contact policy, team settings
    READ_AUDIT = "read_audit"                # the audit trail, the breaches register and their exports
    BUILD_CARDHOLDER_FILE = "build_cardholder_file"  # a cardholder's whole file, for a regulator or a court
    WORK_LITIGATION = "work_litigation"      # the litigation record: edit, milestones, letters, the lawyer's pack
    LEGAL_QUEUE = "legal_queue"              # the legal queue: cases in litigation, by milestone and next hearing
    USE_TWO_FACTOR = "use_two_factor"        # may (and is asked to) confirm an authenticator
    HOLD_CASES = "hold_cases"                # cases (and their visits) are assigned to them by name
    SEE_EVERY_CASE = "see_every_case"        # their scope is the whole portfolio, not a team's cases
    SERVE_THEMSELVES = "serve_themselves"    # the cardholder's own page: their cases, promise, dispute, preferences
    SEE_INTERNAL_RECORDS = "see_internal_records"  # internal notes, and any personal-data field in full
    WORK_PLACED_CASES = "work_placed_cases"  # an agency's staff: their scope is their agency's open placements
    REQUIRE_TWO_FACTOR = "require_two_factor"  # may not work until an authenticator is confirmed
    MANAGE_AGENCIES = "manage_agencies"      # the agencies whitelist: add, edit, suspend, terminate
    PLACE_CASES = "place_cases"              # place cases with an agency and end placements
    VIEW_AGENCY_FIGURES = "view_agency_figures"  # placements, statements and figures (an agency's own only)
    APPROVE_STATEMENTS = "approve_statements"  # approve an agency's monthly commission statement


A, F, S, M, C, AD = (Role.AGENT, Role.FIELD_AGENT, Role.SUPERVISOR, Role.MANAGER, Role.COMPLIANCE, Role.ADMIN)
L = Role.LEGAL_OFFICER
AA, AM = Role.AGENCY_AGENT, Role.AGENCY_MANAGER
# The cardholder on their own page (core.actors.Cardholder): not a staff role, and never a login.
CH = Cardholder.role

# Compliance officers read everything and admins configure; neither works cases. Legal officers work the
# cases in litigation and nothing else. An outside agency's staff work the cases placed with their agency,
# with the least personal data, and always with two factors.
CAPABILITIES: dict[Capability, frozenset[str]] = {
    Capability.WORK_CASES: frozenset({A, F, S, M, AA, AM}),
    Capability.HAVE_QUEUE: frozenset({A, S, AA}),
    Capability.TAKE_PROMISES: frozenset({A, F, S, M, AA, AM}),
    Capability.AUTHORISE_CONTACT_EXCEPTIONS: frozenset({S, M}),
    Capability.APPROVE_PLANS: frozenset({S, M}),
    Capability.PROPOSE_WRITE_OFFS: frozenset({L, S, M}),
    Capability.APPROVE_WRITE_OFFS: frozenset({S, M}),
    Capability.DECIDE_REFERRALS: frozenset({S, M}),
    Capability.DECIDE_REVIEWS: frozenset({S, M}),
    Capability.RELEASE_HOLDS: frozenset({S, M, C}),
    Capability.APPROVE_HOLDS: frozenset({S, M}),
    Capability.WORK_SPECIALIST_CASES: frozenset({S, M}),
    Capability.FIX_CONFIRM_EXCEPTIONS: frozenset({S, M}),
    Capability.REQUEST_VISITS: frozenset({A, F, S, M, AD}),
    Capability.PLAN_VISITS: frozenset({S, M, AD}),
    Capability.MAKE_VISITS: frozenset({F}),
    Capability.VIEW_DASHBOARDS: frozenset({S, M, C, AD}),
    Capability.MANAGE_TEAMS: frozenset({S, M, AD}),
    Capability.READ_AUDIT: frozenset({C, M, AD}),
    Capability.BUILD_CARDHOLDER_FILE: frozenset({C, M}),
    Capability.WORK_LITIGATION: frozenset({L, S, M}),
    Capability.LEGAL_QUEUE: frozenset({L, S, M}),
    Capability.USE_TWO_FACTOR: frozenset({S, M, AD, AA, AM}),
    Capability.HOLD_CASES: frozenset({A, F}),
    Capability.SEE_EVERY_CASE: frozenset({M, C, AD}),
    Capability.SERVE_THEMSELVES: frozenset({CH}),
    Capability.SEE_INTERNAL_RECORDS: frozenset({A, F, S, M, C, AD, L}),
    Capability.WORK_PLACED_CASES: frozenset({AA, AM}),
    Capability.REQUIRE_TWO_FACTOR: frozenset({AA, AM}),
    Capability.MANAGE_AGENCIES: frozenset({M, AD}),
    Capability.PLACE_CASES: frozenset({S, M}),
    Capability.VIEW_AGENCY_FIGURES: frozenset({S, M, C, AM}),
    Capability.APPROVE_STATEMENTS: frozenset({M}),
}


def user_role(user) -> str | None:
    if isinstance(user, Cardholder):
        return CH
    profile = getattr(user, "profile", None) if user is not None and user.is_authenticated else None
    return profile.role if profile else None


def roles_with(capability: Capability) -> frozenset[str]:
    return CAPABILITIES[capability]


def role_can(role: str | None, capability: Capability) -> bool:
    return role in CAPABILITIES[capability]


def can(user, capability: Capability) -> bool:
    return role_can(user_role(user), capability)


def capabilities_of(user) -> frozenset[str]:
    """The capability names of `user`, for templates: `{% if "view_dashboards" in caps %}`."""
    role = user_role(user)
    return frozenset(str(capability) for capability, roles in CAPABILITIES.items() if role in roles)


def can_release_holds(user) -> bool:
    return can(user, Capability.RELEASE_HOLDS)


def can_work_cases(user) -> bool:
    """May log contacts, add notes, place holds and register complaints on the cases they can see."""
    return can(user, Capability.WORK_CASES)
