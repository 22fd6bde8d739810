"""Message texts per channel and language, filled with the cardholder's name and amounts.

They show at most the last four digits of the card, and a third party's message never mentions a debt.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone

from cases.models import Case
from staff.models import Language

THIRD_PARTY = "third_party"


@dataclass(frozen=True)
class Message:
    language: str
    subject: str
    body: str
    # A letter's lines shown through the envelope's window: the sender's name and the recipient's
    # address, and nothing that tells a reader of the envelope about a debt.
    window: tuple[str, ...] = ()


def mask_card(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    return digits[-4:]


def format_money(amount: Decimal, currency: str) -> str:
    symbol = {"CNY": "¥", "USD": "$"}.get(currency)
    text = f"{amount:,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def _context(case: Case, at: dt.datetime) -> dict:
    customer = case.account.customer
    money = lambda value: format_money(value, case.currency)  # noqa: E731
    today = at.astimezone(ZoneInfo(customer.timezone)).date()
    return {
        "bank": settings.CONTACTS_BANK_NAME, "phone": settings.CONTACTS_BANK_PHONE,
        "complaints_phone": settings.CONTACTS_COMPLAINTS_PHONE,
        "complaints_address": settings.CONTACTS_COMPLAINTS_ADDRESS,
        "complaints_email": settings.CONTACTS_COMPLAINTS_EMAIL,
        "dispute_days": settings.CONTACTS_DISPUTE_DEADLINE_DAYS,
        "dispute_by": (today + dt.timedelta(days=settings.CONTACTS_DISPUTE_DEADLINE_DAYS)).isoformat(),
        "dispute_answer_days": settings.DISPUTE_SLA_DAYS,
        "name": customer.name, "address": customer.address, "card_last4": mask_card(case.account.account_number),
        "dpd": case.dpd(at), "overdue_since": case.overdue_since.isoformat(), "today": today.isoformat(),
        "amount": money(case.total_overdue_value()), "principal": money(case.principal_overdue),
        "interest": money(case.interest_overdue), "fees": money(case.fees_overdue),
        "penalty": money(case.penalty_overdue),
    }


def message_render(*, case: Case, channel: str, third_party: bool = False, at: dt.datetime | None = None) -> Message:
    """The text for `case` on `channel` in the cardholder's language. Email's first line is its subject;
    a letter's lines above "---" are what its envelope's window shows.

    For a third party only the locate message exists: a name and a number to call, no debt.
    """
    language = case.account.customer.language if case.account.customer.language in Language.values else "zh-hans"
    name = THIRD_PARTY if third_party else channel
    text = get_template(f"contacts/messages/{name}_{language}.txt").template.render(
        Context(_context(case, at or timezone.now()), autoescape=False)).strip()
    subject, body, window = "", text, ""
    if channel == "email" and not third_party:
        subject, _newline, body = text.partition("\n")
    if channel == "letter" and not third_party:
        window, _rule, body = text.partition("\n---\n")
    return Message(language=language, subject=subject.strip(), body=body.strip(),
                   window=tuple(line.strip() for line in window.splitlines() if line.strip()))
