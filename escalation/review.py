"""T5: the pre-litigation review a team's supervisor decides. Accepting it refers the case to legal and opens
its litigation record."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from cases.lifecycle import BEFORE_CONTACT_STAGES, Stage
from cases.models import Case
from cases.services import case_transition
from contacts.models import Channel, ContactStatus, ScheduledContact
from contacts.services import scheduled_contact_complete
from core.errors import Conflict, DomainError, reason_required
from litigation.services import litigation_open
from staff.models import Role
from staff.permissions import Capability, can


def _check(*, contact: ScheduledContact, actor, reason: str) -> str:
    if contact.channel != Channel.LEGAL_REVIEW:
        raise DomainError(_("This is not a pre-litigation review."), field="contact")
    if contact.status != ContactStatus.SCHEDULED:
        raise Conflict(_("This review is already %(status)s."), params={"status": contact.status})
    profile = getattr(actor, "profile", None)
    if profile is None or not can(actor, Capability.DECIDE_REVIEWS):
        raise DomainError(_("Only a supervisor or manager decides a pre-litigation review."), code="not_allowed")
    team = contact.case.assigned_team
    if profile.role == Role.SUPERVISOR and team is not None and actor.pk != team.supervisor_id \
            and team.pk != profile.team_id:
        raise DomainError(_("Only the team's supervisor decides this review."), code="not_allowed")
    reason = reason_required(reason)
    return reason


@transaction.atomic
def legal_review_accept(*, contact: ScheduledContact, actor, reason: str) -> Case:
    """Accept the review: the task is done and the case moves to legal through `case_transition`,
    which writes the history row and the legal-referral event for the core system, and the case gets its
    litigation record (`litigation.services.litigation_open`), which stops whatever contact was planned.

    Only a case collections has worked (contact, negotiate, follow-up) is referred: the lifecycle has no
    move from confirm or plan to legal, and a case there is refused (Conflict, not_contacted), the review
    left scheduled."""
    reason = _check(contact=contact, actor=actor, reason=reason)
    case = Case.objects.select_related("account").get(pk=contact.case_id)
    if not case.is_open or case.stage == Stage.LEGAL:
        raise Conflict(_("The case is %(stage)s already; cancel this review instead."),
                       params={"stage": Stage(case.stage).label})
    if case.stage in BEFORE_CONTACT_STAGES:
        # A bank sues only a cardholder it has tried to reach: a case nobody has contacted yet (confirm, plan)
        # is not referred. Writing a move to contact here would record a contact that never happened, so the
        # review waits, still scheduled, until a contact is made, or the supervisor declines it.
        raise Conflict(_("No contact has been made on this case yet: it goes to legal only after collections "
                         "has tried to reach the cardholder. Decline the review, or decide it once a contact "
                         "is made."), code="not_contacted")
    if not scheduled_contact_complete(contact=contact, actor=actor, note=f"accepted: {reason}"):
        raise Conflict(_("This review was decided meanwhile."))
    case = case_transition(case=case, to=Stage.LEGAL, actor=actor, reason=reason)
    litigation_open(case=case, actor=actor)
    return case


@transaction.atomic
def legal_review_decline(*, contact: ScheduledContact, actor, reason: str) -> ScheduledContact:
    """Decline the review: the case stays in collections; the decision and reason stay on the task."""
    reason = _check(contact=contact, actor=actor, reason=reason)
    if not scheduled_contact_complete(contact=contact, actor=actor, note=f"declined: {reason}"):
        raise Conflict(_("This review was decided meanwhile."))
    return contact
