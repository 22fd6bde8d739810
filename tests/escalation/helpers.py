import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from contacts.models import ScheduledContact
from tests.factories import AccountFactory, CaseFactory, CustomerFactory

SH = ZoneInfo("Asia/Shanghai")
# 10:00 in Shanghai on 30 November 2026: inside contact hours.
AS_OF = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SH)


def case_at_dpd(dpd: int, *, as_of=AS_OF, zone="Asia/Shanghai", total=Decimal("10000.00"), email="", customer=None,
                **kwargs):
    """A case whose cardholder in `zone` is `dpd` days past due at `as_of`, owing `total` in principal: a new
    cardholder's, or another card of `customer`."""
    local_today = as_of.astimezone(ZoneInfo(zone)).date()
    account = AccountFactory(customer=customer or CustomerFactory(timezone=zone, email=email))
    return CaseFactory(account=account, overdue_since=local_today - dt.timedelta(days=dpd), principal_overdue=total,
                       interest_overdue=Decimal("0"), fees_overdue=Decimal("0"), penalty_overdue=Decimal("0"),
                       **kwargs)


def rules_of(case) -> list[str]:
    return sorted(ScheduledContact.objects.filter(case=case).values_list("rule", flat=True))


def offer(code: str, **terms) -> dict:
    """A plan offer as the policy's definition holds it: 6 monthly payments for M1 cases up to 50,000 CNY,
    unless `terms` say otherwise."""
    base = {"code": code, "kind": "instalments", "dpd_from": 1, "dpd_to": 30, "currency": "CNY",
            "amount_from": Decimal("0.00"), "amount_to": Decimal("50000.00"), "months": 6,
            "waive_charges_percent": Decimal("0"), "pay_percent": None, "pay_within_days": None, "deferral_days": 0}
    return {**base, **terms}


def settlement(code: str, **terms) -> dict:
    return offer(code, **{"kind": "settlement", "months": None, "pay_percent": Decimal("70"), "pay_within_days": 30,
                          "dpd_to": 90, **terms})


def offers_publish(*, actor, offers: list[dict], links_off: tuple[str, ...] = (), effective_from=None):
    """A new version of the default policy with `offers` and links off in the tiers `links_off`, in force now."""
    from django.utils import timezone

    from escalation.models import Policy
    from escalation.policy import policies_in_force, policy_definition, policy_version_publish

    policy = Policy.objects.get(is_default=True)
    current = policies_in_force(as_of=timezone.now()).champion
    # From when the version in force began, so the new one governs every moment the tests look at.
    at = effective_from or current.effective_from
    definition = policy_definition(version=current)
    definition["offers"] = offers
    for tier in definition["tiers"]:
        tier["self_service_links"] = tier["code"] not in links_off
    return policy_version_publish(policy=policy, effective_from=at, definition=definition, actor=actor,
                                  note="Plan offers")
