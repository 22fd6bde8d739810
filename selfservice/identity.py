"""Who is on the cardholder's own page: the national id's last characters, then a one-time code by SMS
to the cardholder's own mobile on file, then a session of their own, kept apart from staff sign-in.

Limits (all counted from rows, in the database, so that every process sees the same counts):
- per link: LOCK_AFTER wrong answers within LOCK_MINUTES lock the link for LOCK_MINUTES;
- per address: IP_FAILURES_PER_HOUR wrong answers (unknown links included) in an hour refuse that address;
- per number: NUMBER_FAILURES_PER_DAY wrong answers for one cardholder's number in a day refuse it;
- codes sent: CODES_PER_LINK_PER_DAY per link and CODES_PER_NUMBER_PER_DAY per number in 24 hours.
A code is valid CODE_MINUTES and allows CODE_TRIES tries; a session ends after SELF_SERVICE_IDLE_MINUTES idle.
"""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from contacts.senders import DeliveryError, sms_backend
from core.actors import SYSTEM, Cardholder
from core.errors import DomainError
from selfservice.models import CardholderSession, CodePurpose, Failure, SelfServiceLink, VerificationCode

LOCK_AFTER = 5
LOCK_MINUTES = 30
IP_FAILURES_PER_HOUR = 20
NUMBER_FAILURES_PER_DAY = 10
CODES_PER_LINK_PER_DAY = 5
CODES_PER_NUMBER_PER_DAY = 10
CODE_MINUTES = 10
CODE_TRIES = 5
COOKIE_NAME = "cp_cardholder"
COOKIE_PATH = "/my/"


class Refused(DomainError):
    """The way in is closed for now: locked, rate-limited or out of codes. Says nothing about the cardholder."""


def _keyed(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def failure_record(*, link: SelfServiceLink | None, kind: str, ip_address: str | None,
                   at: dt.datetime | None = None) -> None:
    """Count one wrong answer; the LOCK_AFTER-th within LOCK_MINUTES locks the link."""
    at = at or timezone.now()
    phone_hash = link.customer.phone_hash if link else ""
    Failure.objects.create(link=link, kind=kind, ip_address=ip_address, phone_hash=phone_hash, created_at=at)
    if link is None:
        return
    recent = Failure.objects.filter(link=link, created_at__gt=at - dt.timedelta(minutes=LOCK_MINUTES)).count()
    if recent >= LOCK_AFTER:
        until = at + dt.timedelta(minutes=LOCK_MINUTES)
        SelfServiceLink.objects.filter(pk=link.pk).update(locked_until=until)
        link.locked_until = until
        audit_log(actor=SYSTEM, action="selfservice.link_locked", obj=link, ip_address=ip_address,
                  changes={"until": until.isoformat(), "failures": recent})


def address_refused(*, ip_address: str | None, at: dt.datetime | None = None) -> bool:
    at = at or timezone.now()
    return bool(ip_address) and Failure.objects.filter(
        ip_address=ip_address, created_at__gt=at - dt.timedelta(hours=1)).count() >= IP_FAILURES_PER_HOUR


def gate_check(*, link: SelfServiceLink, ip_address: str | None, at: dt.datetime | None = None) -> None:
    """Refused when the link is locked, the address or the number has had too many wrong answers."""
    at = at or timezone.now()
    if link.locked_until and link.locked_until > at:
        raise Refused(_("Too many wrong answers. This link is locked for %(minutes)s minutes; try again later "
                        "or call us."), params={"minutes": LOCK_MINUTES}, code="locked")
    if address_refused(ip_address=ip_address, at=at):
        raise Refused(_("Too many wrong answers from this network. Try again in an hour or call us."),
                      code="rate_limited")
    phone_hash = link.customer.phone_hash
    if phone_hash and Failure.objects.filter(phone_hash=phone_hash, created_at__gt=at - dt.timedelta(days=1)
                                             ).count() >= NUMBER_FAILURES_PER_DAY:
        raise Refused(_("Too many wrong answers today. Try again tomorrow or call us."), code="rate_limited")


def _normalised(value: str) -> str:
    return "".join((value or "").split()).upper()


def identity_check(*, link: SelfServiceLink, last_four: str, ip_address: str | None,
                   at: dt.datetime | None = None) -> VerificationCode:
    """Check the national id's last four characters (a final X allowed); when right, send a code.

    A wrong answer is counted (and may lock the link) and raised on the field `last_four`.
    """
    at = at or timezone.now()
    gate_check(link=link, ip_address=ip_address, at=at)
    answer = _normalised(last_four)
    if len(answer) != 4 or not (answer[:3].isdigit() and (answer[3].isdigit() or answer[3] == "X")):
        raise DomainError(_("Enter the last four characters of your ID number: four digits, or three and X."),
                          code="invalid", field="last_four")
    expected = _normalised(link.customer.national_id)[-4:]
    if len(expected) != 4 or not hmac.compare_digest(answer, expected):
        failure_record(link=link, kind=Failure.Kind.ID, ip_address=ip_address, at=at)
        raise DomainError(_("That does not match our records."), code="wrong", field="last_four")
    return code_send(link=link, ip_address=ip_address, at=at)


def _code_text(language: str, code: str, purpose: str = CodePurpose.SIGN_IN) -> str:
    if purpose == CodePurpose.ACCEPT_OFFER:
        if language == "en":
            return (f"{settings.CONTACTS_BANK_NAME}: your code to accept the repayment plan you chose on your own "
                    f"page is {code}. It is valid for {CODE_MINUTES} minutes. Never tell anyone this code.")
        return (f"【{settings.CONTACTS_BANK_NAME}】您在自助服务页面确认所选还款方案的验证码为{code}，"
                f"{CODE_MINUTES}分钟内有效。请勿告诉任何人。")
    if language == "en":
        return (f"{settings.CONTACTS_BANK_NAME}: your code for your own page is {code}. It is valid for "
                f"{CODE_MINUTES} minutes. Never tell anyone this code; we will never ask for it.")
    return (f"【{settings.CONTACTS_BANK_NAME}】您的自助服务验证码为{code}，{CODE_MINUTES}分钟内有效。"
            "请勿告诉任何人，我们不会索要此验证码。")


@transaction.atomic
def code_send(*, link: SelfServiceLink, ip_address: str | None, at: dt.datetime | None = None,
              purpose: str = CodePurpose.SIGN_IN, subject: str = "") -> VerificationCode:
    """Send a new one-time code to the cardholder's own mobile on file (never to a contact point).

    Earlier codes of the link for the same purpose stop counting. Capped per link and per number a day,
    whatever the purpose. When the provider fails nothing is kept.
    """
    at = at or timezone.now()
    customer = link.customer
    if not customer.phone:
        raise Refused(_("We have no mobile number on file for you. Please call us."), code="no_phone")
    day = at - dt.timedelta(days=1)
    if (VerificationCode.objects.filter(link=link, created_at__gt=day).count() >= CODES_PER_LINK_PER_DAY
            or VerificationCode.objects.filter(phone_hash=customer.phone_hash, created_at__gt=day).count()
            >= CODES_PER_NUMBER_PER_DAY):
        raise Refused(_("We have sent as many codes as we can today. Try again tomorrow or call us."),
                      code="codes_capped")
    VerificationCode.objects.filter(link=link, purpose=purpose, used_at__isnull=True).update(used_at=at)
    code = f"{secrets.randbelow(10**6):06d}"
    row = VerificationCode.objects.create(link=link, code_hash="", phone_hash=customer.phone_hash, created_at=at,
                                          expires_at=at + dt.timedelta(minutes=CODE_MINUTES), purpose=purpose,
                                          subject=subject)
    VerificationCode.objects.filter(pk=row.pk).update(code_hash=_keyed(f"{row.pk}:{code}"))
    try:
        sms_backend().send(to=customer.phone, body=_code_text(customer.language, code, purpose),
                           reference=f"selfservice-code-{row.pk}")
    except DeliveryError as exc:
        transaction.set_rollback(True)
        raise Refused(_("We could not send the code just now. Try again in a few minutes."),
                      code="sms_failed") from exc
    return row


def code_pending(*, link: SelfServiceLink, at: dt.datetime | None = None, purpose: str = CodePurpose.SIGN_IN,
                 subject: str = "") -> VerificationCode | None:
    at = at or timezone.now()
    return (VerificationCode.objects.filter(link=link, purpose=purpose, subject=subject, used_at__isnull=True,
                                            expires_at__gt=at, attempts__lt=CODE_TRIES)
            .order_by("-created_at").first())


def code_verify(*, link: SelfServiceLink, code: str, ip_address: str | None,
                at: dt.datetime | None = None) -> tuple[CardholderSession, str]:
    """Check the one-time code; when right, start a cardholder session. Returns it and its cookie key."""
    at = at or timezone.now()
    code_confirm(link=link, code=code, ip_address=ip_address, at=at)
    return session_start(link=link, ip_address=ip_address, at=at)


def code_confirm(*, link: SelfServiceLink, code: str, ip_address: str | None, at: dt.datetime | None = None,
                 purpose: str = CodePurpose.SIGN_IN, subject: str = "") -> VerificationCode:
    """Use up the one-time code sent for `purpose` and `subject`; DomainError on the field `code` when it is
    wrong, expired or used up. A wrong code counts as a wrong answer (the link's lock, the number's cap)."""
    at = at or timezone.now()
    gate_check(link=link, ip_address=ip_address, at=at)
    pending = code_pending(link=link, at=at, purpose=purpose, subject=subject)
    if pending is None:
        raise DomainError(_("This code has expired or been used up. Ask for a new one."), code="expired",
                          field="code")
    # The try is counted before the answer is compared, so parallel guesses cannot pass the limit.
    counted = VerificationCode.objects.filter(pk=pending.pk, attempts__lt=CODE_TRIES, used_at__isnull=True).update(
        attempts=F("attempts") + 1)
    answer = "".join((code or "").split())
    if not counted or not hmac.compare_digest(_keyed(f"{pending.pk}:{answer}"), pending.code_hash):
        failure_record(link=link, kind=Failure.Kind.CODE, ip_address=ip_address, at=at)
        raise DomainError(_("That code is not right."), code="wrong", field="code")
    if not VerificationCode.objects.filter(pk=pending.pk, used_at__isnull=True).update(used_at=at):
        raise DomainError(_("This code has expired or been used up. Ask for a new one."), code="expired",
                          field="code")
    return pending


def session_start(*, link: SelfServiceLink, ip_address: str | None,
                  at: dt.datetime | None = None) -> tuple[CardholderSession, str]:
    at = at or timezone.now()
    key = secrets.token_urlsafe(32)
    session = CardholderSession.objects.create(key_hash=_sha(key), link=link, customer=link.customer,
                                               ip_address=ip_address, created_at=at, last_seen_at=at)
    audit_log(actor=Cardholder(customer_id=link.customer_id, link_id=link.pk), action="selfservice.signed_in",
              obj=link, ip_address=ip_address, changes={"link": link.pk})
    return session, key


def session_resume(*, key: str, at: dt.datetime | None = None) -> CardholderSession | None:
    """The session `key` opens, when it is in force (not ended, not idle too long, its link not revoked);
    its idle clock starts again."""
    if not key or len(key) > 100:
        return None
    at = at or timezone.now()
    idle = dt.timedelta(minutes=settings.SELF_SERVICE_IDLE_MINUTES)
    session = (CardholderSession.objects.select_related("link", "customer")
               .filter(key_hash=_sha(key), ended_at__isnull=True, link__revoked_at__isnull=True,
                       customer__anonymised_at__isnull=True).first())
    if session is None:
        return None
    if session.last_seen_at <= at - idle:
        CardholderSession.objects.filter(pk=session.pk).update(ended_at=session.last_seen_at + idle)
        return None
    CardholderSession.objects.filter(pk=session.pk).update(last_seen_at=at)
    return session


def session_end(*, session: CardholderSession, at: dt.datetime | None = None) -> None:
    CardholderSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(ended_at=at or timezone.now())


def actor_of(session: CardholderSession) -> Cardholder:
    return Cardholder(customer_id=session.customer_id, link_id=session.link_id)
