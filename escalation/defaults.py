"""The default contact policy and jurisdiction profiles, installed as data by migrations.

After installation they belong to supervisors and compliance: edits create new policy versions
(`escalation.policy.policy_version_publish`) or change profile rows in the admin.
"""

import datetime as dt
from decimal import Decimal

from core.i18n import stored_phrase

DEFAULT_POLICY_NAME = stored_phrase("Default contact policy")  # shown in the reader's language
# The currency of a policy's amounts when its definition names none.
POLICY_CURRENCY = "CNY"
# The latest a policy may put the letter to the estate, in days after the death is recorded.
ESTATE_LETTER_MAX_DAYS = 365

# One tier per row: code, name, rank, first DPD, last DPD (None: open-ended), actions.
# An action: rule code, channel, cadence, times, per_days, condition, condition_count, condition_days, and the
# channel used instead when the cardholder opted out of its own (fallback_channel).
DEFAULT_POLICY = {
    "currency": POLICY_CURRENCY,
    "large_amount_threshold": Decimal("50000.00"),
    "large_amount_thresholds": {},
    "uplift_max_rank": 4,
    # Two weeks give the family time before a letter about the account arrives.
    "estate_letter_after_days": 14,
    "tiers": [
        {"code": "T1", "name": "Reminder", "rank": 1, "dpd_from": 1, "dpd_to": 15, "actions": [
            {"code": "T1.sms", "channel": "sms", "cadence": "repeat", "times": 1, "per_days": 5,
             "fallback_channel": "letter"},
            {"code": "T1.email", "channel": "email", "cadence": "repeat", "times": 1, "per_days": 5,
             "condition": "has_email", "fallback_channel": "letter"},
        ]},
        {"code": "T2", "name": "Call", "rank": 2, "dpd_from": 16, "dpd_to": 30, "actions": [
            {"code": "T2.call", "channel": "call", "cadence": "repeat", "times": 1, "per_days": 2},
        ]},
        {"code": "T3", "name": "Intensive", "rank": 3, "dpd_from": 31, "dpd_to": 60, "actions": [
            {"code": "T3.call", "channel": "call", "cadence": "repeat", "times": 1, "per_days": 1},
            {"code": "T3.notice_email", "channel": "email", "cadence": "on_entry", "condition": "has_email",
             "fallback_channel": "letter"},
            {"code": "T3.notice_letter", "channel": "letter", "cadence": "on_entry", "condition": "no_email"},
            {"code": "T3.visit", "channel": "visit", "cadence": "on_entry", "condition": "calls_failed",
             "condition_count": 3, "condition_days": 14},
        ]},
        {"code": "T4", "name": "Field", "rank": 4, "dpd_from": 61, "dpd_to": 90, "actions": [
            {"code": "T4.visit", "channel": "visit", "cadence": "on_entry"},
            {"code": "T4.call", "channel": "call", "cadence": "repeat", "times": 2, "per_days": 7},
        ]},
        {"code": "T5", "name": "Legal review", "rank": 5, "dpd_from": 91, "dpd_to": None, "actions": [
            {"code": "T5.legal_review", "channel": "legal_review", "cadence": "once"},
        ]},
    ],
}

JURISDICTION_PROFILES = [
    {"code": "CN", "name": "China (CBA 2026 guideline, 2011 card measures)", "is_default": True,
     "timezone_prefixes": [], "contact_from": dt.time(8, 0), "contact_until": dt.time(21, 0),
     "calls_per_window": 7, "call_window_days": 7, "calls_per_day": 3, "unanswered_per_number_per_day": 6,
     "quiet_days_after_conversation": 7, "third_party_after_failures": 3},
    {"code": "US", "name": "United States (Regulation F)", "is_default": False,
     "timezone_prefixes": ["America/", "US/", "Pacific/Honolulu"],
     "contact_from": dt.time(8, 0), "contact_until": dt.time(21, 0),
     "calls_per_window": 7, "call_window_days": 7, "calls_per_day": None, "unanswered_per_number_per_day": None,
     "quiet_days_after_conversation": 7, "third_party_after_failures": 3,
     "window_preference_binding_for_staff": True, "opt_out_line_required": True, "validation_notice_first": True},
]


def install_default_policy(Policy, PolicyVersion, PolicyTier, PolicyAction, effective_from) -> None:  # noqa: N803
    """Create the default policy's first version unless a default policy exists already."""
    if Policy.objects.filter(is_default=True).exists():
        return
    policy = Policy.objects.create(name=DEFAULT_POLICY_NAME, is_default=True,
                                   description="The tiers and actions of the domain's default contact policy.")
    write_version(Policy=Policy, PolicyVersion=PolicyVersion, PolicyTier=PolicyTier, PolicyAction=PolicyAction,
                  policy=policy, number=1, effective_from=effective_from, definition=DEFAULT_POLICY,
                  note="Default policy", created_by_label="system")


def write_version(*, Policy, PolicyVersion, PolicyTier, PolicyAction, policy, number, effective_from,  # noqa: N803
                  definition, note, created_by_label, challenger=None, challenger_percent=0, PlanOffer=None,
                  created_by=None):
    per_currency = {"currency": definition.get("currency", POLICY_CURRENCY),
                    "large_amount_thresholds": {code: str(amount) for code, amount in
                                                (definition.get("large_amount_thresholds") or {}).items()}}
    # An early migration installs the default policy on the model as it stood then, before currencies.
    fields = {field.name for field in PolicyVersion._meta.get_fields()}
    action_fields = {field.name for field in PolicyAction._meta.get_fields()}
    with_fallback = "fallback_channel" in action_fields
    # The agency placement's rules, on the model from when it has them; absent from the default policy.
    placement_rules = [name for name in ("regions", "buckets", "min_amount", "max_amount") if name in action_fields]
    if "estate_letter_after_days" in fields:
        per_currency["estate_letter_after_days"] = definition.get("estate_letter_after_days")
    if "created_by" in fields:
        per_currency["created_by"] = created_by
    with_links = any(field.name == "self_service_links" for field in PolicyTier._meta.get_fields())
    version = PolicyVersion.objects.create(
        policy=policy, number=number, effective_from=effective_from,
        large_amount_threshold=definition["large_amount_threshold"],
        **{name: value for name, value in per_currency.items() if name in fields},
        uplift_max_rank=definition["uplift_max_rank"],
        challenger=challenger, challenger_percent=challenger_percent, note=note, created_by_label=created_by_label,
    )
    for tier in definition["tiers"]:
        row = PolicyTier.objects.create(version=version, code=tier["code"], name=tier["name"], rank=tier["rank"],
                                        dpd_from=tier["dpd_from"], dpd_to=tier["dpd_to"],
                                        **({"self_service_links": tier.get("self_service_links", True)}
                                           if with_links else {}))
        PolicyAction.objects.bulk_create([
            PolicyAction(tier=row, code=a["code"], channel=a["channel"], cadence=a["cadence"],
                         times=a.get("times", 1), per_days=a.get("per_days"), condition=a.get("condition", ""),
                         condition_count=a.get("condition_count"), condition_days=a.get("condition_days"),
                         **({"fallback_channel": a.get("fallback_channel") or ""} if with_fallback else {}),
                         **{name: a[name] for name in placement_rules if a.get(name) is not None})
            for a in tier["actions"]
        ])
    if PlanOffer is not None:
        PlanOffer.objects.bulk_create([PlanOffer(version=version, **offer) for offer in definition.get("offers", [])])
    return version


def install_jurisdiction_profiles(JurisdictionProfile) -> None:  # noqa: N803
    # An early migration installs the profiles on the model as it stood then, before later fields.
    fields = {field.name for field in JurisdictionProfile._meta.get_fields()}
    for profile in JURISDICTION_PROFILES:
        JurisdictionProfile.objects.get_or_create(
            code=profile["code"], defaults={name: value for name, value in profile.items() if name in fields})
