from django import template

from core.masking import mask

register = template.Library()


register.filter("mask", mask)


@register.filter
def dpd(case) -> int:
    return case.dpd()


@register.filter
def bucket(case) -> str:
    return case.bucket()
