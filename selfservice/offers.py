"""Choosing a plan on the cardholder's own page: the offers a manager pre-approved that fit the case, the
agreement each would make, its acceptance with a one-time code, and a request beyond the offers.

Nothing the cardholder sends is money or terms: the case and the offer are named by their ids, the offer
must fit the case in the policy version in force when the code is checked, and the schedule is computed
on the server (repayment_plans). The code is the sign-in machinery's (selfservice.identity), sent for the
purpose ACCEPT_OFFER and bound to the case and the offer, so a code sent for one offer accepts no other.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from core.actors import Cardholder
from core.errors import NotFound
from core.i18n import stored_phrase
from escalation.models import PlanOffer
from escalation.offers import case_offers, offer_terms
from repayment_plans.calculator import Schedule
from repayment_plans.plans import PlanError, plan_preview
from repayment_plans.self_service import CardholderStatement, plan_agree_offer, plan_request_from_cardholder
from selfservice import identity
from selfservice.models import CardholderAction, CodePurpose, OfferAcceptance, SelfServiceLink, VerificationCode
from selfservice.selectors import case_plan_in_progress
from selfservice.services import _own, _record

CHOSE = stored_phrase("Chose the offer %(offer)s of policy version %(version)s and accepted it with the code sent "
                      "by SMS: plan #%(plan)s, %(total)s %(currency)s")
ASKED = stored_phrase("Asked for a plan of %(amount)s %(currency)s a month, with their income and expenditure: "
                      "plan #%(plan)s awaits approval")


@dataclass(frozen=True)
class OfferView:
    offer: PlanOffer
    schedule: Schedule
    first_due_date: dt.date

    @property
    def instalment(self) -> Decimal:
        return self.schedule.payments[0].amount


def case_offer_views(*, case: Case, at: dt.datetime | None = None) -> list[OfferView]:
    """The offers that fit `case` now, each with the schedule it would make; one the case's amounts cannot
    make a valid plan of (nothing left to waive in a settlement, say) is left out, and none is open while
    the case has a plan in progress."""
    at = at or timezone.now()
    if case_plan_in_progress(case=case):
        return []
    views = []
    for offer in case_offers(case=case, at=at):
        terms = offer_terms(offer=offer, case=case, at=at)
        try:
            schedule = plan_preview(case=case, kind=terms.kind, waivers=terms.waivers, count=terms.count,
                                    first_due_date=terms.first_due_date, at=at)
        except PlanError:
            continue
        views.append(OfferView(offer=offer, schedule=schedule, first_due_date=terms.first_due_date))
    return views


def case_offer_view(*, case: Case, offer_id: int, at: dt.datetime | None = None) -> OfferView:
    """One offer that fits `case` now; NotFound otherwise (gone with a new version, or the case moved on)."""
    for view in case_offer_views(case=case, at=at):
        if view.offer.pk == offer_id:
            return view
    raise NotFound(_("This offer is no longer open to you. Choose from the offers shown now."), code="offer_gone")


def _subject(case: Case, offer_id: int) -> str:
    return f"case:{case.pk}:offer:{offer_id}"


def _link(actor: Cardholder) -> SelfServiceLink:
    return SelfServiceLink.objects.select_related("customer").get(pk=actor.link_id)


def selfservice_offer_code_send(*, actor: Cardholder, case: Case, offer_id: int,
                                ip_address: str | None) -> VerificationCode:
    """Send the code that accepts `offer_id` for `case`, to the cardholder's own mobile (identity's limits)."""
    _own(actor, case)
    case_offer_view(case=case, offer_id=offer_id)
    link = _link(actor)
    identity.gate_check(link=link, ip_address=ip_address)
    return identity.code_send(link=link, ip_address=ip_address, purpose=CodePurpose.ACCEPT_OFFER,
                              subject=_subject(case, offer_id))


def selfservice_offer_accept(*, actor: Cardholder, case: Case, offer_id: int, code: str,
                             ip_address: str | None) -> OfferAcceptance:
    """Accept `offer_id` for `case` with the code sent for it: the plan is active at once.

    The offer is checked to fit the case before the code is used, and again with the case locked. A wrong
    code counts against the link like a wrong sign-in code (and stays counted). Recorded as the
    cardholder's action, with the offer and its policy version, on the case's timeline; audited.
    """
    _own(actor, case)
    case_offer_view(case=case, offer_id=offer_id)
    link = _link(actor)
    # Outside the transaction below: a wrong code stays counted when the acceptance fails.
    used = identity.code_confirm(link=link, code=code, ip_address=ip_address, purpose=CodePurpose.ACCEPT_OFFER,
                                 subject=_subject(case, offer_id))
    with transaction.atomic():
        now = timezone.now()
        case = Case.objects.select_for_update().select_related("account__customer").get(pk=case.pk)
        view = case_offer_view(case=case, offer_id=offer_id, at=now)
        offer, version = view.offer, view.offer.version
        terms = offer_terms(offer=offer, case=case, at=now)
        plan = plan_agree_offer(case=case, kind=terms.kind, waivers=terms.waivers, count=terms.count,
                                first_due_date=terms.first_due_date, approver=version.created_by, actor=actor,
                                offer=offer.code, at=now, ip_address=ip_address)
        action = _record(actor=actor, case=case, kind=CardholderAction.Kind.PLAN, ip_address=ip_address, at=now,
                         obj=plan, summary=CHOSE % {"offer": offer.code, "version": version.number, "plan": plan.pk,
                                                    "total": plan.total, "currency": plan.currency})
        return OfferAcceptance.objects.create(action=action, plan=plan, offer=offer, policy_version=version,
                                              code=used)


@transaction.atomic
def selfservice_plan_request(*, actor: Cardholder, case: Case, statement: CardholderStatement,
                             ip_address: str | None) -> CardholderAction:
    """A plan beyond the offers: a proposal at the cardholder's monthly amount, with their statement, for
    staff to decide in the approvals list."""
    _own(actor, case)
    now = timezone.now()
    plan = plan_request_from_cardholder(case=case, statement=statement, actor=actor, at=now, ip_address=ip_address)
    return _record(actor=actor, case=case, kind=CardholderAction.Kind.PLAN_REQUEST, ip_address=ip_address, at=now,
                   obj=plan, summary=ASKED % {"amount": statement.proposed_monthly, "currency": plan.currency,
                                              "plan": plan.pk})

