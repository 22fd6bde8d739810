"""Negotiation authority: which role may agree to which plan, or write off how much, on its own, and who must
approve the rest."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.currencies import ISO_4217
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


# --- Write-offs ----------------------------------------------------------------------------------------------
# The roles that approve write-offs, lowest first.
WRITE_OFF_APPROVER_ROLES = tuple(role for role in Role.values if role_can(role, Capability.APPROVE_WRITE_OFFS))


def write_off_limit(*, limit: AuthorityLimit | None, currency: str) -> Decimal | None:
    """How much a role with `limit` may write off on its own in `currency`; None when nothing (no row, or no
    amount for that currency)."""
    if limit is None:
        return None
    if currency == settings.COLLECTIONS_DEFAULT_CURRENCY:
        return limit.max_write_off
    amount = (limit.max_write_off_by_currency or {}).get(currency)
    try:
        return Decimal(str(amount)) if amount is not None else None
    except ArithmeticError:
        return None


def write_off_covered(*, limit: AuthorityLimit | None, amount: Decimal, currency: str) -> bool:
    allowed = write_off_limit(limit=limit, currency=currency)
    return allowed is not None and amount <= allowed


def write_off_required_role(*, amount: Decimal, currency: str,
                            limits: dict[str, AuthorityLimit] | None = None) -> str | None:
    """The lowest write-off approver role whose limit in `currency` covers `amount`; None when no role's does."""
    limits = authority_limits() if limits is None else limits
    for role in WRITE_OFF_APPROVER_ROLES:
        if write_off_covered(limit=limits.get(role), amount=amount, currency=currency):
            return role
    return None


def write_off_limits_check(by_currency) -> dict[str, str]:
    """`by_currency` with its amounts as decimal strings ("3000.00"); ValidationError unless it is {another
    ISO 4217 code: an amount of zero or more with at most two decimals}."""
    if not isinstance(by_currency, dict):
        raise ValidationError({"max_write_off_by_currency": _(
            'Give amounts by currency code, e.g. {"USD": "3000.00"}.')})
    checked = {}
    for code, amount in by_currency.items():
        if code not in ISO_4217 or code == settings.COLLECTIONS_DEFAULT_CURRENCY:
            raise ValidationError({"max_write_off_by_currency": _(
                "%(code)s is not another ISO 4217 currency code; the bank's own currency has the field above.")
                % {"code": repr(code)}})
        try:
            value = (Decimal(str(amount).strip()) if isinstance(amount, (str, int, float))
                     and not isinstance(amount, bool) else None)
            valid = value is not None and value.is_finite() and 0 <= value < 10 ** 12 and value == round(value, 2)
        except ArithmeticError:
            valid = False
        if not valid:
            raise ValidationError({"max_write_off_by_currency": _(
                "The write-off limit in %(code)s must be an amount of zero or more with at most two decimals.")
                % {"code": code}})
        checked[code] = str(value.quantize(Decimal("0.01")))
    return checked
