from django import template

register = template.Library()


@register.filter
def mask(value, visible: int = 4) -> str:
    """Mask personal data for display, keeping only the last `visible` characters."""
    text = str(value or "")
    if len(text) <= visible:
        return "•" * len(text)
    return "•" * (len(text) - visible) + text[-visible:]


@register.filter
def dpd(case) -> int:
    return case.dpd()


@register.filter
def bucket(case) -> str:
    return case.bucket()
