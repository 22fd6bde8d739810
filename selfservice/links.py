"""Links to the cardholder's own page: made at send time, valid SELF_SERVICE_LINK_DAYS, revocable.

Why a random token stored hashed, not a signed one (django.core.signing): the link must be revocable and
must record when it was opened, so a row is needed whatever the token; with a row, a random token is the
smaller thing to carry (22 characters in an SMS), names nothing (a signed token would carry at least a row
id, in readable base64), and survives a change of SECRET_KEY. A copy of the table gives no usable link,
since only the SHA-256 of each token is kept.
"""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.services import audit_log
from cases.models import Customer
from core.actors import SYSTEM
from escalation.selectors import case_self_service_links
from selfservice.models import CardholderSession, SelfServiceLink


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_create(*, customer: Customer, channel: str = "", at: dt.datetime | None = None,
                case=None) -> tuple[SelfServiceLink, str]:
    """A new link for `customer` (in a message about `case`, when given); returns the row and the token, which
    is not kept anywhere else."""
    at = at or timezone.now()
    token = secrets.token_urlsafe(16)
    link = SelfServiceLink.objects.create(customer=customer, case=case, token_hash=token_hash(token), channel=channel,
                                          created_at=at,
                                          expires_at=at + dt.timedelta(days=settings.SELF_SERVICE_LINK_DAYS))
    return link, token


def link_url(token: str) -> str:
    return settings.SELF_SERVICE_BASE_URL + reverse("selfservice:enter", kwargs={"token": token})


def link_for_message(*, customer: Customer, channel: str, at: dt.datetime, case=None) -> str:
    """The provider registered with contacts.links: a new link for one message about `case` (which the
    self-service funnel counts it under), or "" when the policy tier of that case sends none (the policy
    page's switch per tier)."""
    if case is not None and not case_self_service_links(case_id=case.pk):
        return ""
    _link, token = link_create(customer=customer, channel=channel, at=at, case=case)
    return link_url(token)


def link_resolve(*, token: str, at: dt.datetime | None = None) -> SelfServiceLink | None:
    """The link `token` names, when it is in force (not expired, not revoked); else None."""
    if not token or len(token) > 64:
        return None
    at = at or timezone.now()
    return (SelfServiceLink.objects.select_related("customer")
            .filter(token_hash=token_hash(token), revoked_at__isnull=True, expires_at__gt=at,
                    customer__anonymised_at__isnull=True).first())


def link_opened(*, link: SelfServiceLink, at: dt.datetime | None = None) -> None:
    at = at or timezone.now()
    SelfServiceLink.objects.filter(pk=link.pk, first_opened_at__isnull=True).update(first_opened_at=at)
    SelfServiceLink.objects.filter(pk=link.pk).update(last_opened_at=at)


@transaction.atomic
def link_revoke(*, link: SelfServiceLink, actor=SYSTEM, reason: str = "", at: dt.datetime | None = None) -> None:
    """Revoke `link` and end every session opened through it. Audited."""
    at = at or timezone.now()
    SelfServiceLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=at,
                                                                             revoked_reason=reason[:200])
    CardholderSession.objects.filter(link=link, ended_at__isnull=True).update(ended_at=at)
    audit_log(actor=actor, action="selfservice.link_revoked", obj=link, reason=reason)


@transaction.atomic
def customer_links_revoke(*, customer: Customer, actor=SYSTEM, reason: str = "") -> int:
    """Revoke every link of `customer` in force (a number recycled, a phone lost). Returns how many."""
    links = list(SelfServiceLink.objects.filter(customer=customer, revoked_at__isnull=True,
                                                expires_at__gt=timezone.now()))
    for link in links:
        link_revoke(link=link, actor=actor, reason=reason)
    return len(links)
