from django import template

from core.actors import CORE_SYSTEM, SYSTEM
from core.i18n import person_name, stored_text
from core.masking import mask
from core.tables import RATE, cell

register = template.Library()


register.filter("mask", mask)


@register.filter
def dpd(case) -> int:
    return case.dpd()


@register.filter
def bucket(case) -> str:
    return case.bucket()


register.filter("stored_text", stored_text)
register.filter("person", person_name)


@register.filter
def actor(label) -> str:
    """Who did something, as history rows store it: a login as it is (a login named `supervisor` is not the
    word 'supervisor'), a phrase the system stores for an actor that is not a login (the system, the core
    system, the cardholder on their own page) in the reader's language. A login never has a space."""
    if isinstance(label, str) and (" " in label or label in (SYSTEM, CORE_SYSTEM)):
        return stored_text(label)
    return label


@register.filter
def rate(value) -> str:
    """A fraction as a percentage to two decimals, as the CSV and Excel downloads write it (0.0076 → 0.76%)."""
    return cell(value, RATE) if value is not None else "—"
