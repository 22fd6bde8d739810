from django import template

from contacts.messages import format_money

register = template.Library()


@register.filter
def money(value, currency: str) -> str:
    """An amount as the rest of the cardholder's page and their messages write it: ¥33,582.50, not 33582.50 CNY."""
    return "" if value is None else format_money(value, currency)
