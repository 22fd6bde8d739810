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
