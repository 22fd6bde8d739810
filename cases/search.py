"""Finding a case while a cardholder is on the line: by card number, the card's last four digits, phone,
national id or name.

Identifiers are matched exactly: a national id or a phone through the keyed hash stored beside its
ciphertext (`core.crypto.pii_hash`), a card number through its unique index, the last four digits through an
index on them. A name is matched case-insensitively: a two-character one whole, a longer one anywhere in the
name, both served on PostgreSQL by a trigram index (`cases/migrations/0007`). Results are only the cases the
user may see; a search by national id or phone is audited, with the value masked.
"""

import re

from django.db import models
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, QuerySet, Value, When
from django.db.models.functions import Right
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from cases.lifecycle import Stage
from cases.models import Case
from cases.selectors import cases_visible_to
from core.crypto import pii_hash
from core.errors import DomainError
from core.masking import mask

RESULTS_LIMIT = 50
# A name shorter than this is matched whole: two characters anywhere (or at the start) would match a
# surname and half the given names, and a trigram index cannot narrow them; a two-character Chinese name
# is the whole name anyway.
NAME_ANYWHERE_FROM = 3


class SearchBy(models.TextChoices):
    PHONE = "phone", _("Phone")
    LAST_FOUR = "last_four", _("Card's last four digits")
    NATIONAL_ID = "national_id", _("National id")
    ACCOUNT = "account", _("Card number")
    NAME = "name", _("Name")


AUDITED = frozenset({SearchBy.PHONE, SearchBy.NATIONAL_ID})


class SearchInvalid(DomainError):
    code = "search_invalid"


def _compact(query: str) -> str:
    return re.sub(r"[\s\-()]", "", query or "")


def _phone_hashes(query: str) -> list[str]:
    """The hashes the phone may be stored under: as typed, digits only, and with or without China's +86."""
    compact = _compact(query)
    if not re.fullmatch(r"\+?\d{5,20}", compact):
        raise SearchInvalid(str(_("Enter a phone number: digits, optionally starting with +.")), field="query")
    digits = compact.lstrip("+")
    forms = {compact, digits, f"+{digits}"}
    if digits.startswith("86") and len(digits) == 13:
        forms |= {digits[2:]}
    elif len(digits) == 11:
        forms |= {f"+86{digits}", f"86{digits}"}
    return sorted(pii_hash(form) for form in forms)


def _matching(queryset: QuerySet[Case], by: str, query: str) -> QuerySet[Case]:
    if by == SearchBy.PHONE:
        return queryset.filter(account__customer__phone_hash__in=_phone_hashes(query))
    if by == SearchBy.NATIONAL_ID:
        compact = _compact(query).upper()
        if not re.fullmatch(r"\d{15}|\d{17}[\dX]", compact):
            raise SearchInvalid(str(_("A national id has 15 or 18 characters: digits, the last may be X.")),
                                field="query")
        return queryset.filter(account__customer__national_id_hash=pii_hash(compact))
    if by == SearchBy.LAST_FOUR:
        compact = _compact(query)
        if not re.fullmatch(r"\d{4}", compact):
            raise SearchInvalid(str(_("Enter the last four digits of the card.")), field="query")
        return queryset.alias(last_four=Right("account__account_number", 4)).filter(last_four=compact)
    if by == SearchBy.ACCOUNT:
        compact = _compact(query)
        if not re.fullmatch(r"\d{8,32}", compact):
            raise SearchInvalid(str(_("Enter the whole card number, digits only.")), field="query")
        return queryset.filter(account__account_number=compact)
    if by == SearchBy.NAME:
        name = " ".join((query or "").split())
        if len(name) < 2:
            raise SearchInvalid(str(_("Enter at least two characters of the name.")), field="query")
        if len(name) < NAME_ANYWHERE_FROM:
            return queryset.filter(account__customer__name__iexact=name)
        return queryset.filter(account__customer__name__icontains=name)
    raise SearchInvalid(str(_("Choose what to search by.")), field="by")


def cases_search(*, user, by: str, query: str, ip_address: str | None = None,
                 limit: int = RESULTS_LIMIT) -> list[Case]:
    """The cases `user` may see whose cardholder or card matches `query`, open ones first, newest first.

    Raises SearchInvalid (with the field at fault) for a value that cannot be what it claims to be. A search
    by national id or phone writes an audit record (what was searched by, the value masked, how many
    cases were found), whatever it found.
    """
    matches = _matching(cases_visible_to(user=user), by, (query or "").strip())
    results = list(matches.annotate(closed=SqlCase(When(stage=Stage.CLOSED, then=Value(1)), default=Value(0),
                                                   output_field=IntegerField()))
                   .order_by("closed", "-opened_at", "-id")[:limit])
    if by in AUDITED:
        audit_log(actor=user, action="case.searched", obj=user, ip_address=ip_address,
                  changes={"by": by, "query": mask(_compact(query)), "results": len(results)})
    return results
