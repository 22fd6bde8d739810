"""Message texts per channel and language, filled with the cardholder's name and amounts.

They show at most the last four digits of the card, and a third party's message never mentions a debt.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone

from cases.models import Case
from contacts.governor import governor_profile_for, governor_profiles
from contacts.models import ContactStatus, JurisdictionProfile, ScheduledContact
from staff.models import Language

THIRD_PARTY = "third_party"
ESTATE = "estate"
WRITTEN_CHANNELS = ("email", "letter")
VALIDATION_PERIOD_DAYS = 30
ASSUMED_RECEIPT_DAYS = 5
# Regulation F §1006.6(e): a clear and conspicuous, reasonable way to opt out of electronic messages.
OPT_OUT_LINES = {
    "sms": {"en": "Reply STOP to stop texts from us.", "zh-hans": "回复TD或“退订”即不再接收我们的短信。"},
    "email": {"en": "To stop emails from us, call {phone} or write to us; we will not email you again.",
              "zh-hans": "如不希望再收到我们的电子邮件，请致电 {phone} 或致函我们，我们将不再向您发送电子邮件。"},
}
# The line that carries the link to the cardholder's own page; it names no person and no amount.
LINK_LINES = {
    "sms": {"en": "Your own page: {link}", "zh-hans": "自助服务：{link}"},
    "email": {"en": "See your account, pay, promise or tell us something on your own page: {link}",
              "zh-hans": "您可在自助服务页面查看账户、还款、承诺还款或告诉我们您的情况：{link}"},
    "letter": {"en": "Your own page (scan the code below, or type this address): {link}",
               "zh-hans": "您的自助服务页面（扫描下方二维码或输入以下网址）：{link}"},
}


# The placeholders a message text may use, as `{{ name }}`: what `_context` fills for every message to the
# cardholder (the validation notice's itemisation is the bank's own text and never comes from elsewhere).
PLACEHOLDERS = frozenset({
    "bank", "phone", "complaints_phone", "complaints_address", "complaints_email", "dispute_days", "dispute_by",
    "dispute_answer_days", "name", "address", "card_last4", "dpd", "overdue_since", "today", "amount", "principal",
    "interest", "fees", "penalty",
})
PLACEHOLDER = re.compile(r"{{\s*([A-Za-z_][A-Za-z0-9_]*)\s*}}")


class MessageWithheld(Exception):
    """The case's automated messages are someone else's to word (an outside agency working it), and they
    have no text for this channel: nothing goes out."""


# (case, channel, language) -> the text to use instead of the bank's template, or None for the bank's.
# Raises MessageWithheld when the case's messages are another's and this channel has none.
MessageTextProvider = Callable[..., str | None]
_text_provider: list[MessageTextProvider] = []


def message_text_register(provider: MessageTextProvider) -> None:
    """The one provider of texts that replace the bank's templates for some cases (agencies registers it
    from its AppConfig.ready(): a placed case's messages use its agency's template set)."""
    _text_provider[:] = [provider]


def text_fill(text: str, context: dict) -> str:
    """Fill `{{ placeholder }}`s from `context` as plain text: no tags, filters or escaping are interpreted."""
    return PLACEHOLDER.sub(lambda match: str(context.get(match.group(1), "")), text)


@dataclass(frozen=True)
class Message:
    language: str
    subject: str
    body: str
    # A letter's lines shown through the envelope's window: the sender's name and the recipient's
    # address, and nothing that tells a reader of the envelope about a debt.
    window: tuple[str, ...] = ()
    # The cardholder's own page (contacts.links), when the message carries one; a letter prints it as a QR code.
    link: str = ""


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


def _profile(case: Case) -> JurisdictionProfile:
    return governor_profile_for(tz_name=case.account.customer.timezone, profiles=governor_profiles())


def validation_notice_due(*, case: Case, channel: str, profile: JurisdictionProfile | None = None) -> bool:
    """Regulation F §1006.34: under a profile that asks for it, the first written message on a case (an
    email or a letter not yet sent) is the validation notice."""
    if channel not in WRITTEN_CHANNELS or not (profile or _profile(case)).validation_notice_first:
        return False
    return not ScheduledContact.objects.filter(case=case, channel__in=WRITTEN_CHANNELS,
                                               status=ContactStatus.SENT).exists()


def _validation_context(case: Case, context: dict) -> dict:
    """The model form's itemisation: what was owed on the itemisation date (the missed due date), what
    was charged and paid since, and the end of the validation period (30 days after the notice is
    received, which is assumed to be 5 days after it is sent)."""
    money = lambda value: format_money(value, case.currency)  # noqa: E731
    paid = sum((p.amount for p in case.payments.counted().filter(paid_at__date__gte=case.overdue_since)),
               Decimal("0"))
    charged = case.fees_overdue + case.penalty_overdue
    then = case.total_overdue_value() - case.interest_overdue - charged + paid
    end = dt.date.fromisoformat(context["today"]) + dt.timedelta(days=VALIDATION_PERIOD_DAYS + ASSUMED_RECEIPT_DAYS)
    return {"itemization_date": case.overdue_since.isoformat(), "amount_then": money(then),
            "fees_and_penalty": money(charged), "paid_since": money(paid), "validation_end": end.isoformat()}


def message_render(*, case: Case, channel: str, third_party: bool = False, at: dt.datetime | None = None,
                   validation_notice: bool | None = None, estate: bool = False, link: str = "",
                   replaceable: bool = True) -> Message:
    """The text for `case` on `channel` in the cardholder's language. Email's first line is its subject;
    a letter's lines above "---" are what its envelope's window shows.

    For a third party only the locate message exists: a name and a number to call, no debt. Under a
    profile that asks for them, the first email or letter is the validation notice (unless
    `validation_notice` says otherwise) and every SMS and email ends with how to opt out.
    `link` (the cardholder's own page, made at send time) is added to a message to the cardholder; a
    third party's message and the letter to the estate never carry one.
    An ordinary SMS, email or letter uses the registered provider's text when it gives one (an agency's
    template set while it works the case), and raises MessageWithheld when the provider withholds it;
    `replaceable=False` (a letter a member of staff wrote, which only borrows the window) never asks.
    """
    language = case.account.customer.language if case.account.customer.language in Language.values else "zh-hans"
    profile = _profile(case)
    context = _context(case, at or timezone.now())
    if validation_notice is None:
        validation_notice = not (third_party or estate) and validation_notice_due(case=case, channel=channel,
                                                                                   profile=profile)
    name = THIRD_PARTY if third_party else ESTATE if estate else "validation" if validation_notice else channel
    if validation_notice:
        context.update(_validation_context(case, context))
    own = _text_provider[0](case=case, channel=channel, language=language) if replaceable and _text_provider \
        and name == channel else None
    if own is not None:
        text = text_fill(own, context).strip()
        if channel == "letter" and not re.search(r"^---$", text, re.MULTILINE):
            # Without lines of its own for the envelope's window, a letter shows the bank's usual ones.
            text = f"{context['bank']}\n{context['name']}\n{context['address']}\n---\n{text}"
    else:
        text = get_template(f"contacts/messages/{name}_{language}.txt").template.render(
            Context(context, autoescape=False)).strip()
    if validation_notice and channel == "letter":
        subject, _newline, notice = text.partition("\n")
        text = f"{context['bank']}\n{context['name']}\n{context['address']}\n---\n# {subject}\n{notice}"
    subject, body, window = "", text, ""
    if channel == "email" and not third_party:
        subject, _newline, body = text.partition("\n")
    if channel == "letter" and not third_party:
        window, _rule, body = text.partition("\n---\n")
    body = body.strip()
    link = "" if third_party or estate else link
    if link:
        body = f"{body}\n\n" + LINK_LINES[channel][language].format(link=link)
    if profile.opt_out_line_required and channel in OPT_OUT_LINES and not third_party:
        body = f"{body}\n\n" + OPT_OUT_LINES[channel][language].format(phone=context["phone"])
    return Message(language=language, subject=subject.strip(), body=body,
                   window=tuple(line.strip() for line in window.splitlines() if line.strip()), link=link)
