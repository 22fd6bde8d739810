"""DOMAIN.md's default negotiation authority, installed by a data migration and then edited in the admin."""

from decimal import Decimal

# (role, instalments up to N months, interest + fee + penalty waiver up to %, principal waiver up to %)
DEFAULT_AUTHORITY = [
    ("agent", 12, Decimal("20"), Decimal("0")),
    # Field agents negotiate at the door with an agent's authority.
    ("field_agent", 12, Decimal("20"), Decimal("0")),
    ("supervisor", 36, Decimal("50"), Decimal("10")),
    # 60 months is the maximum the 2011 card measures (Art. 70) allow.
    ("manager", 60, Decimal("100"), Decimal("30")),
]


def install_default_authority(AuthorityLimit) -> None:  # noqa: N803
    for role, months, charges, principal in DEFAULT_AUTHORITY:
        AuthorityLimit.objects.get_or_create(role=role, defaults={
            "max_months": months, "max_charges_waiver_percent": charges, "max_principal_waiver_percent": principal})


# Write-off limits: (role, in the bank's currency, in other currencies). Agents and field agents write nothing
# off; the amounts are where a bank might start, edited in the admin.
DEFAULT_WRITE_OFF_AUTHORITY = [
    ("supervisor", Decimal("20000.00"), {"USD": "3000.00"}),
    ("manager", Decimal("200000.00"), {"USD": "30000.00"}),
]


def install_default_write_off_authority(AuthorityLimit) -> None:  # noqa: N803
    for role, amount, by_currency in DEFAULT_WRITE_OFF_AUTHORITY:
        AuthorityLimit.objects.filter(role=role, max_write_off=0, max_write_off_by_currency={}).update(
            max_write_off=amount, max_write_off_by_currency=by_currency)
