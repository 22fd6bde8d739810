"""Contact policies as data: which version is in force, who gets the challenger, publishing a new version."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from cases.delinquency import DELINQUENT_BUCKETS
from contacts.models import Channel, Strategy
from core.actors import actor_fields
from core.currencies import ISO_4217
from core.errors import DomainError
from escalation.defaults import ESTATE_LETTER_MAX_DAYS, POLICY_CURRENCY, write_version
from escalation.models import (
    ACTION_CHANNELS,
    PLACE_WITH_AGENCY,
    Cadence,
    Condition,
    PlanOffer,
    Policy,
    PolicyAction,
    PolicyTier,
    PolicyVersion,
)
from escalation.offers import offer_definition, offers_authority_check, offers_check

ACTION_CHANNEL_VALUES = [value for value, _label in ACTION_CHANNELS]
PLACEMENT_RULES = ("regions", "buckets", "min_amount", "max_amount")

# Knuth's multiplicative hash: a stable, evenly spread share of case ids, computed alike in SQL and Python.
HASH_MULTIPLIER = 2654435761
HASH_MODULUS = 2**32


def case_share_bucket(case_id: int) -> int:
    """0–99, fixed for a case forever; the challenger runs on cases whose bucket is below its share."""
    return (case_id * HASH_MULTIPLIER) % HASH_MODULUS % 100


def case_strategy(*, case_id: int, challenger_percent: int) -> str:
    return Strategy.CHALLENGER if case_share_bucket(case_id) < challenger_percent else Strategy.CHAMPION


@dataclass(frozen=True)
class PoliciesInForce:
    champion: PolicyVersion
    challenger: PolicyVersion | None
    challenger_percent: int

    def version_for(self, strategy: str) -> PolicyVersion:
        return self.challenger if strategy == Strategy.CHALLENGER and self.challenger else self.champion


def policy_version_in_force(*, policy: Policy, as_of: dt.datetime) -> PolicyVersion | None:
    return (PolicyVersion.objects.filter(policy=policy, effective_from__lte=as_of)
            .order_by("-effective_from", "-number").first())


def policies_in_force(*, as_of: dt.datetime) -> PoliciesInForce:
    """The default policy's version in force at `as_of` and, if it names one, its challenger's."""
    policy = Policy.objects.get(is_default=True)
    champion = policy_version_in_force(policy=policy, as_of=as_of)
    if champion is None:
        raise DomainError(_("No version of %(name)s is in force at %(at)s."),
                          params={"name": policy.name, "at": as_of.isoformat()}, code="no_policy")
    challenger = None
    if champion.challenger_id and champion.challenger_percent:
        challenger = policy_version_in_force(policy=champion.challenger, as_of=as_of)
    return PoliciesInForce(champion=champion, challenger=challenger,
                           challenger_percent=champion.challenger_percent if challenger else 0)


def _action_definition(action: PolicyAction) -> dict:
    definition = {"code": action.code, "channel": action.channel, "cadence": action.cadence, "times": action.times,
                  "per_days": action.per_days, "condition": action.condition,
                  "condition_count": action.condition_count, "condition_days": action.condition_days,
                  "fallback_channel": action.fallback_channel}
    if action.channel == PLACE_WITH_AGENCY:
        definition.update(regions=action.regions, buckets=action.buckets, min_amount=action.min_amount,
                          max_amount=action.max_amount)
    return definition


def policy_definition(*, version: PolicyVersion) -> dict:
    """A version as the plain dict `policy_version_publish` takes: copy it, change it, publish it."""
    return {
        "currency": version.currency,
        "large_amount_threshold": version.large_amount_threshold,
        "large_amount_thresholds": {code: Decimal(amount) for code, amount in version.large_amount_thresholds.items()},
        "uplift_max_rank": version.uplift_max_rank,
        "estate_letter_after_days": version.estate_letter_after_days,
        "tiers": [
            {"code": t.code, "name": t.name, "rank": t.rank, "dpd_from": t.dpd_from, "dpd_to": t.dpd_to,
             "self_service_links": t.self_service_links,
             "actions": [_action_definition(a) for a in t.actions.order_by("id")]}
            for t in version.tiers.order_by("rank")
        ],
        "offers": [offer_definition(offer) for offer in version.offers.order_by("id")],
    }


def policy_definition_check(definition: dict) -> None:
    """Refuse a definition that is not a coherent policy, with the reason (DomainError)."""
    tiers = sorted(definition["tiers"], key=lambda t: t["rank"])
    if not tiers or tiers[0]["dpd_from"] < 1:
        raise DomainError(_("The first tier must start at 1 day past due or later."), field="tiers")
    for before, after in zip(tiers, tiers[1:], strict=False):
        if before["dpd_to"] is None or after["dpd_from"] != before["dpd_to"] + 1:
            raise DomainError(_("Tier %(code)s must start the day after %(code2)s ends."),
                              params={"code": after['code'], "code2": before['code']}, field="tiers")
    codes = [a["code"] for t in tiers for a in t["actions"]]
    if len(codes) != len(set(codes)):
        raise DomainError(_("Each action needs its own rule code."), field="tiers")
    for action in (a for t in tiers for a in t["actions"]):
        if action["channel"] not in ACTION_CHANNEL_VALUES or action["cadence"] not in Cadence.values:
            raise DomainError(_("Action %(code)s has an unknown channel or cadence."), params={"code": action['code']},
                              field="tiers")
        if action["cadence"] == Cadence.REPEAT and not (action.get("per_days") or 0) >= 1:
            raise DomainError(_("Repeating action %(code)s needs a period in days."), params={"code": action['code']},
                              field="tiers")
        fallback = action.get("fallback_channel") or ""
        if fallback and (fallback not in Channel.values or fallback == action["channel"]):
            raise DomainError(_("Action %(code)s falls back to an unknown channel or to its own."),
                              params={"code": action['code']}, field="tiers")
        if action.get("condition", "") not in Condition.values:
            raise DomainError(_("Action %(code)s has an unknown condition."), params={"code": action['code']},
                              field="tiers")
        _placement_rules_check(action)
    if any(not isinstance(t.get("self_service_links", True), bool) for t in tiers):
        raise DomainError(_("Whether a tier's messages carry links to the cardholder's own page is true or false."),
                          field="tiers")
    offers_check(definition.get("offers") or [])
    estate_days = definition.get("estate_letter_after_days")
    if estate_days is not None and (isinstance(estate_days, bool) or not isinstance(estate_days, int)
                                    or not 0 <= estate_days <= ESTATE_LETTER_MAX_DAYS):
        raise DomainError(_("The letter to the estate goes between 0 and %(max)s days after the death is recorded, "
                            "or not at all (null)."), params={"max": ESTATE_LETTER_MAX_DAYS},
                          field="estate_letter_after_days")
    if definition["large_amount_threshold"] <= 0:
        raise DomainError(_("The large-amount threshold must be positive."), field="large_amount_threshold")
    currency = definition.get("currency", POLICY_CURRENCY)
    if currency not in ISO_4217:
        raise DomainError(_("%(currency)s is not an ISO 4217 currency code."), params={"currency": repr(currency)},
                          field="currency")
    for code, amount in (definition.get("large_amount_thresholds") or {}).items():
        if code not in ISO_4217 or code == currency:
            raise DomainError(_("%(code)s is not another ISO 4217 currency code."), params={"code": repr(code)},
                              field="large_amount_thresholds")
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0 or amount != round(amount, 2):
            raise DomainError(_("The large-amount threshold in %(code)s must be a positive amount with at most two "
                                "decimals."),
                              params={"code": code}, field="large_amount_thresholds")


def _placement_rules_check(action: dict) -> None:
    """A placement action's rules by region, bucket and amount; other actions take none."""
    code = action["code"]
    rules = {name: action.get(name) for name in PLACEMENT_RULES}
    if action["channel"] != PLACE_WITH_AGENCY:
        if any(value not in (None, [], "") for value in rules.values()):
            raise DomainError(_("Only a placement with an agency takes rules by region, bucket or amount (action "
                                "%(code)s)."), params={"code": code}, field="tiers")
        return
    if action.get("fallback_channel"):
        raise DomainError(_("A placement with an agency has no fallback channel (action %(code)s)."),
                          params={"code": code}, field="tiers")
    regions, buckets = rules["regions"] or [], rules["buckets"] or []
    if not isinstance(regions, list) or not all(isinstance(r, str) and r.strip() for r in regions):
        raise DomainError(_("The regions of action %(code)s are a list of region names."), params={"code": code},
                          field="tiers")
    if not isinstance(buckets, list) or not all(b in DELINQUENT_BUCKETS for b in buckets):
        raise DomainError(_("The buckets of action %(code)s are a list of %(buckets)s."),
                          params={"code": code, "buckets": ", ".join(DELINQUENT_BUCKETS)}, field="tiers")
    low, high = rules["min_amount"], rules["max_amount"]
    for amount in (low, high):
        if amount is not None and (not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0
                                   or amount != round(amount, 2)):
            raise DomainError(_("The amounts of action %(code)s are zero or more, with at most two decimals."),
                              params={"code": code}, field="tiers")
    if low is not None and high is not None and high < low:
        raise DomainError(_("Action %(code)s places up to an amount below its from amount."), params={"code": code},
                          field="tiers")


@transaction.atomic
def policy_version_publish(
    *, policy: Policy, effective_from: dt.datetime, definition: dict, actor, note: str,
    challenger: Policy | None = None, challenger_percent: int = 0,
) -> PolicyVersion:
    """Publish a new, immutable version of `policy`, in force from `effective_from`.

    Earlier versions stay as they were, so every scheduled contact keeps pointing at the rules that
    produced it. Rule codes that stay the same keep their cadence keys, so a new version does not
    repeat a contact the old one already scheduled today. The definition's plan offers are published with
    it, approved by `actor`: they must be someone who approves plans, with the authority the offers need.
    """
    if not (note or "").strip():
        raise DomainError(_("Say what changed."), code="reason_required", field="note")
    if not 0 <= challenger_percent <= 100:
        raise DomainError(_("The challenger share is a percentage."), field="challenger_percent")
    if challenger is not None and challenger.pk == policy.pk:
        raise DomainError(_("A policy cannot challenge itself."), field="challenger")
    policy_definition_check(definition)
    offers_authority_check(definition.get("offers") or [], actor=actor)
    Policy.objects.select_for_update().get(pk=policy.pk)
    number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return write_version(Policy=Policy, PolicyVersion=PolicyVersion, PolicyTier=PolicyTier,
                         PolicyAction=PolicyAction, policy=policy, number=number, effective_from=effective_from,
                         definition=definition, note=note.strip(),
                         created_by_label=actor_fields(actor)["actor_label"], challenger=challenger,
                         challenger_percent=challenger_percent, PlanOffer=PlanOffer,
                         created_by=actor if getattr(actor, "is_authenticated", False) else None)
