"""Referrals: an agent escalates a case to the team's supervisor, who records a decision."""

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.models import Case, Referral
from cases.selectors import cases_visible_to
from core.actors import actor_fields
from core.errors import Conflict, DomainError


@transaction.atomic
def referral_raise(*, case: Case, actor, reason: str, ip_address: str | None = None) -> Referral:
    """Open a referral of an open case to its team's supervisor. One open referral per case. Audited."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say what the supervisor should look at."), code="reason_required", field="reason")
    if not case.is_open:
        raise DomainError(_("The case is closed."), code="case_closed")
    who = actor_fields(actor)
    try:
        with transaction.atomic():
            referral = Referral.objects.create(case=case, team=case.assigned_team, reason=reason,
                                               raised_by=who["actor"], raised_by_label=who["actor_label"])
    except IntegrityError as exc:
        raise Conflict(_("This case is already waiting for a supervisor."), code="referral_open",
                       field="reason") from exc
    audit_log(actor=actor, action="case.referred", obj=referral, case_id=case.pk, reason=reason,
              ip_address=ip_address)
    return referral


@transaction.atomic
def referral_decide(*, referral: Referral, actor, decision: str, ip_address: str | None = None) -> Referral:
    """Record the supervisor's decision and close the referral (compare-and-swap on its status). Audited."""
    decision = (decision or "").strip()
    if not decision:
        raise DomainError(_("Record what you decided."), code="decision_required", field="decision")
    done = Referral.objects.filter(pk=referral.pk, status=Referral.Status.OPEN).update(
        status=Referral.Status.DONE, decision=decision, decided_by_label=actor_fields(actor)["actor_label"],
        decided_at=timezone.now())
    if done != 1:
        raise Conflict(_("This referral has already been decided."), code="referral_decided")
    referral.refresh_from_db()
    audit_log(actor=actor, action="case.referral_decided", obj=referral, case_id=referral.case_id, reason=decision,
              ip_address=ip_address)
    return referral


def referrals_open(*, user) -> QuerySet[Referral]:
    """Open referrals on the cases `user` may see, oldest first."""
    return (Referral.objects.filter(status=Referral.Status.OPEN, case__in=cases_visible_to(user=user))
            .select_related("case__account__customer").order_by("raised_at"))
