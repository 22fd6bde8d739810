from django import template

from core.i18n import stored_text
from core.masking import mask

register = template.Library()


register.filter("mask", mask)


@register.filter
def dpd(case) -> int:
    return case.dpd()


@register.filter
def bucket(case) -> str:
    return case.bucket()


register.filter("stored_text", stored_text)


@register.filter
def rate(value) -> str:
    """A fraction as a percentage to two decimals, as the CSV and Excel downloads write it (0.0076 → 0.76%)."""
    from core.tables import RATE, cell

    return cell(value, RATE) if value is not None else "—"
