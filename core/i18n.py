"""Texts the system writes into rows in English (why a stage changed, why a visit was asked for), shown
in the reader's language.

Rows keep the English the system wrote, so that the API and the audit trail read the same words
whatever the language of whoever caused them. A page shows a stored text through `stored_text`: a
phrase marked with `stored_phrase` is translated from the catalogue, with the values it carries (a
person's reason, a login) left as they are; anything a person typed is shown as typed.
"""

import re

from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext

_PATTERNS: list[tuple[re.Pattern, str]] = []


def stored_phrase(message: str) -> str:
    """Mark an English phrase the system stores; returns it unchanged. Its %(name)s fields are filled in
    by the caller, and read back when the text is shown."""
    if "%(" in message and not any(known == message for _regex, known in _PATTERNS):
        parts = re.split(r"%\((\w+)\)s", message)
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        _PATTERNS.append((re.compile(regex, re.S), message))
    return message


def english(label) -> str:
    """A lazy label (a choice's name) as the English to store, whoever is reading at the time."""
    with translation.override("en"):
        return str(label)


def stored_text(value) -> str:
    """`value` in the active language when it is a marked phrase, else unchanged."""
    if not value or not isinstance(value, str):
        return value
    translated = gettext(value)
    if translated != value:
        return translated
    for regex, message in _PATTERNS:
        match = regex.fullmatch(value)
        if match:
            return gettext(message) % {name: stored_text(part) for name, part in match.groupdict().items()}
    return value


# A date for a message read later (a domain error): written in the reader's format when it is read.
lazy_date = lazy(lambda value: date_format(value, "SHORT_DATE_FORMAT"), str)


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def person_name(user) -> str:
    """A member of staff's name as it is written: a Chinese name family name first, with no space (黄海, not
    海 黄); other names given name first; the login when there is no name."""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if _CJK.search(first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip() or user.get_username()
