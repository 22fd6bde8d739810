"""Plan offers: the plans a manager pre-approves on the policy page, for cardholders to choose themselves.

An offer belongs to a policy version and is published with it; changing one publishes a new version. Its
bounds are checked here when a version is published (`offers_check`, `offers_authority_check`), and again
by the database's constraints. When a cardholder takes one up, `case_offers` finds the offers that fit
their case in the version in force now, and `offer_terms` turns one into the plan's terms, computed on
the server from the case's own amounts.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from core.currencies import ISO_4217
from core.errors import DomainError
from escalation.models import (
    OFFER_MAX_DEFERRAL_DAYS,
    OFFER_MAX_MONTHS,
    OFFER_MAX_PAY_WITHIN_DAYS,
    OfferKind,
    PlanOffer,
    PolicyVersion,
)
from repayment_plans.authority import authority_limits
from repayment_plans.calculator import CHARGES, PARTS, add_months, months_between
from staff.permissions import Capability, can, user_role

# An instalment offer's first payment falls this many days after the cardholder accepts, plus its deferral.
OFFER_FIRST_PAYMENT_DAYS = 7
HUNDRED = Decimal("100")
OFFER_FIELDS = ("code", "kind", "dpd_from", "dpd_to", "currency", "amount_from", "amount_to", "months",
                "waive_charges_percent", "pay_percent", "pay_within_days", "deferral_days")


def offer_definition(offer: PlanOffer) -> dict:
    return {name: getattr(offer, name) for name in OFFER_FIELDS}


def _error(message, code: str, **params) -> DomainError:
    return DomainError(message, params={"offer": code, **params}, field="offers", code="offer_invalid")


def _decimal(value, *, name: str, code: str, optional: bool = False) -> Decimal | None:
    if value is None and optional:
        return None
    try:
        number = Decimal(str(value)) if not isinstance(value, bool) else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or number != round(number, 2) or abs(number) >= 10**12:
        raise _error(_("Offer %(offer)s: %(name)s must be an amount with at most two decimals."), code, name=name)
    return number


def _whole(value, *, name: str, code: str, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) and not (isinstance(value, str) and value.isdigit()):
        raise _error(_("Offer %(offer)s: %(name)s must be a whole number."), code, name=name)
    return int(value)


def offers_parse(data) -> list[dict]:
    """The offers as typed on the policy page (JSON), with their numbers as Decimal and int.

    A value of the wrong kind is refused on the field `offers`; the bounds are `offers_check`'s."""
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise DomainError(_("The offers are a list of offers."), field="offers", code="offer_invalid")
    offers = []
    for item in data:
        code = str(item.get("code") or "").strip()
        kind = str(item.get("kind") or "")
        offers.append({
            "code": code, "kind": kind,
            "dpd_from": _whole(item.get("dpd_from"), name="dpd_from", code=code),
            "dpd_to": _whole(item.get("dpd_to"), name="dpd_to", code=code, optional=True),
            "currency": str(item.get("currency") or ""),
            "amount_from": _decimal(item.get("amount_from", 0), name="amount_from", code=code),
            "amount_to": _decimal(item.get("amount_to"), name="amount_to", code=code, optional=True),
            "months": _whole(item.get("months"), name="months", code=code, optional=True),
            "waive_charges_percent": _decimal(item.get("waive_charges_percent", 0), name="waive_charges_percent",
                                              code=code),
            "pay_percent": _decimal(item.get("pay_percent"), name="pay_percent", code=code, optional=True),
            "pay_within_days": _whole(item.get("pay_within_days"), name="pay_within_days", code=code, optional=True),
            "deferral_days": _whole(item.get("deferral_days", 0), name="deferral_days", code=code),
        })
    return offers


@dataclass(frozen=True)
class OfferTerms:
    """A plan as repayment_plans.plans.plan_preview takes it."""

    kind: str
    waivers: dict[str, Decimal]
    count: int
    first_due_date: dt.date


def _terms(offer: dict, today: dt.date) -> OfferTerms:
    if offer["kind"] == OfferKind.SETTLEMENT:
        waived = HUNDRED - offer["pay_percent"]
        return OfferTerms(kind=OfferKind.SETTLEMENT, waivers={part: waived for part in PARTS}, count=1,
                          first_due_date=today + dt.timedelta(days=offer["pay_within_days"]))
    waivers = {part: (offer["waive_charges_percent"] if part in CHARGES else Decimal("0")) for part in PARTS}
    first = today + dt.timedelta(days=OFFER_FIRST_PAYMENT_DAYS + offer["deferral_days"])
    return OfferTerms(kind=OfferKind.INSTALMENTS, waivers=waivers, count=offer["months"], first_due_date=first)


def offer_reach_months(offer: dict, today: dt.date) -> int:
    """Months from `today` to the offer's last payment, as the plan would count them."""
    terms = _terms(offer, today)
    return months_between(today, add_months(terms.first_due_date, terms.count - 1))


def offers_check(offers: list[dict], *, today: dt.date | None = None) -> None:
    """Refuse offers outside their bounds, naming the offer (DomainError on `offers`)."""
    today = today or timezone.localdate()
    codes = [offer["code"] for offer in offers]
    if len(codes) != len(set(codes)):
        raise DomainError(_("Each offer needs its own code."), field="offers", code="offer_invalid")
    for offer in offers:
        code = offer["code"]
        if not code or len(code) > 40:
            raise _error(_("Each offer needs a code of at most 40 characters."), code)
        if offer["kind"] not in OfferKind.values:
            raise _error(_("Offer %(offer)s: the type is instalments or settlement."), code)
        if offer["dpd_from"] < 1 or (offer["dpd_to"] is not None and offer["dpd_to"] < offer["dpd_from"]):
            raise _error(_("Offer %(offer)s: days past due run from 1 or more to a number no smaller."), code)
        if offer["currency"] not in ISO_4217:
            raise _error(_("Offer %(offer)s: %(currency)s is not an ISO 4217 currency code."), code,
                         currency=repr(offer["currency"]))
        if offer["amount_from"] < 0 or (offer["amount_to"] is not None and offer["amount_to"] < offer["amount_from"]):
            raise _error(_("Offer %(offer)s: the amount overdue runs from zero or more to an amount no smaller."),
                         code)
        if not 0 <= offer["deferral_days"] <= OFFER_MAX_DEFERRAL_DAYS:
            raise _error(_("Offer %(offer)s: the first payment is deferred by 0 to %(max)s days."), code,
                         max=OFFER_MAX_DEFERRAL_DAYS)
        if offer["kind"] == OfferKind.INSTALMENTS:
            if offer["months"] is None or not 2 <= offer["months"] <= OFFER_MAX_MONTHS:
                raise _error(_("Offer %(offer)s: instalments are 2 to %(max)s monthly payments."), code,
                             max=OFFER_MAX_MONTHS)
            if not 0 <= offer["waive_charges_percent"] <= HUNDRED:
                raise _error(_("Offer %(offer)s: a waiver is between 0 and 100 %%."), code)
            if offer["pay_percent"] is not None or offer["pay_within_days"] is not None:
                raise _error(_("Offer %(offer)s: a share paid and its days belong to a settlement."), code)
            if offer_reach_months(offer, today) > OFFER_MAX_MONTHS:
                raise _error(_("Offer %(offer)s: the last payment would fall more than %(max)s months away."),
                             code, max=OFFER_MAX_MONTHS)
        else:
            if offer["pay_percent"] is None or not 0 < offer["pay_percent"] < HUNDRED:
                raise _error(_("Offer %(offer)s: a settlement pays more than 0 and less than 100 %%."), code)
            if offer["pay_within_days"] is None or not 1 <= offer["pay_within_days"] <= OFFER_MAX_PAY_WITHIN_DAYS:
                raise _error(_("Offer %(offer)s: a settlement is paid within 1 to %(max)s days."), code,
                             max=OFFER_MAX_PAY_WITHIN_DAYS)
            if offer["months"] is not None or offer["waive_charges_percent"] or offer["deferral_days"]:
                raise _error(_("Offer %(offer)s: a settlement has no months, no separate waiver and no deferral."),
                             code)


def offers_authority_check(offers: list[dict], *, actor, today: dt.date | None = None) -> None:
    """The publisher's approval is each offer's second person: they must be one who approves plans, with
    authority covering every offer's length and waivers (DomainError on `offers` otherwise)."""
    if not offers:
        return
    if not getattr(actor, "is_authenticated", False) or not can(actor, Capability.APPROVE_PLANS):
        raise DomainError(_("Plan offers are approved by whoever publishes them: only someone who approves plans "
                            "may publish them."), field="offers", code="offer_not_allowed")
    limit = authority_limits().get(user_role(actor))
    today = today or timezone.localdate()
    for offer in offers:
        terms = _terms(offer, today)
        charges = terms.waivers["interest"]
        if (limit is None or offer_reach_months(offer, today) > limit.max_months
                or charges > limit.max_charges_waiver_percent
                or terms.waivers["principal"] > limit.max_principal_waiver_percent):
            raise _error(_("Offer %(offer)s is beyond your authority, and your approval is the offer's second "
                           "person."), offer["code"])


# --- choosing one -----------------------------------------------------------------------------------------

def version_in_force_for(*, case: Case, at: dt.datetime) -> PolicyVersion | None:
    """The policy version that governs `case` now: its strategy's (champion or challenger)."""
    from escalation.models import CaseEscalation
    from escalation.policy import policies_in_force

    try:
        policies = policies_in_force(as_of=at)
    except DomainError:
        return None
    placed = CaseEscalation.objects.filter(case=case).values_list("strategy", flat=True).first()
    return policies.version_for(placed or "")


def offer_fits(*, offer: PlanOffer, case: Case, at: dt.datetime) -> bool:
    dpd, owed = case.dpd(at), case.total_overdue_value()
    return (offer.currency == case.currency and dpd >= offer.dpd_from
            and (offer.dpd_to is None or dpd <= offer.dpd_to) and owed >= offer.amount_from
            and (offer.amount_to is None or owed <= offer.amount_to) and owed > 0)


def case_offers(*, case: Case, at: dt.datetime | None = None) -> list[PlanOffer]:
    """The offers of the version in force that fit `case` now (its days past due, amount and currency)."""
    at = at or timezone.now()
    version = version_in_force_for(case=case, at=at)
    if version is None or version.created_by_id is None:
        return []
    return [offer for offer in version.offers.select_related("version__created_by").order_by("id")
            if offer_fits(offer=offer, case=case, at=at)]


def offer_terms(*, offer: PlanOffer, case: Case, at: dt.datetime | None = None) -> OfferTerms:
    """The plan's terms for `case` under `offer`, dated from the cardholder's today."""
    today = (at or timezone.now()).astimezone(ZoneInfo(case.timezone_name)).date()
    return _terms(offer_definition(offer), today)
