"""Text messages that come in through the SMS provider's callback.

An opt-out keyword (STOP, TD, 退订 …) is recorded at once as the cardholder's statement, for every
cardholder the number belongs to: an SMS not yet sent is then refused by the governor at delivery.
Any other text is stored as an inbound message on the cardholders' open cases, for the agents to read.
"""

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.lifecycle import Stage
from cases.models import OWN_POINT_KINDS, Case, ContactPoint, Customer, PreferenceKind, PreferenceSource
from cases.preferences import preference_state
from contacts.models import AttemptResult, AttemptSource, Channel, Direction, InboundSms
from contacts.services import contact_attempt_log
from core.crypto import pii_hash
from core.errors import DomainError
from core.i18n import stored_phrase

SMS_PROVIDER = stored_phrase("sms-provider")
# The replies carriers and regulators recognise as "stop sending me texts" (CTIA's STOP family; 退订 and TD
# in China), compared without spaces, punctuation or letter case.
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "TD", "T", "退订"})


def is_opt_out(body: str) -> bool:
    return re.sub(r"[\W_]+", "", body or "").upper() in OPT_OUT_KEYWORDS


def _cardholders(number_hash: str) -> list[int]:
    """Every cardholder whose own number this is: the core system's phone or a current own contact point."""
    owners = set(Customer.objects.filter(phone_hash=number_hash).values_list("id", flat=True))
    owners.update(ContactPoint.objects.filter(phone_hash=number_hash, kind__in=OWN_POINT_KINDS,
                                              retired_at__isnull=True).values_list("customer_id", flat=True))
    return sorted(owners)


def sms_inbound_record(*, sender: str, body: str, received_at: dt.datetime, provider_id: str,
                       now: dt.datetime | None = None) -> tuple[InboundSms, bool]:
    """Record one inbound SMS; (the record, whether it is new). The same `provider_id` again returns the
    first record and changes nothing.

    A `received_at` ahead of our clock (the provider's clock differs) is taken as now. An opt-out is
    stated at `received_at` by the number's every cardholder (source: a reply by SMS); the
    message itself is stored on each of their open cases as an inbound SMS, which counts towards no
    limit and is never a breach.
    """
    now = now or timezone.now()
    if not provider_id.strip():
        raise DomainError("The provider's message id is required.", code="required", field="provider_id")
    known = InboundSms.objects.filter(provider_id=provider_id).first()
    if known is not None:
        return known, False
    number_hash = pii_hash(sender)
    if not number_hash:
        raise DomainError("The sender's number is required.", code="required", field="from")
    try:
        with transaction.atomic():
            return _record(sender=sender, number_hash=number_hash, body=body, received_at=min(received_at, now),
                           provider_id=provider_id, now=now), True
    except IntegrityError:
        # The provider retried while the first delivery was being recorded.
        return InboundSms.objects.get(provider_id=provider_id), False


def _record(*, sender, number_hash, body, received_at, provider_id, now) -> InboundSms:
    owners = _cardholders(number_hash)
    opt_out = is_opt_out(body)
    outcome = (InboundSms.Outcome.UNMATCHED if not owners
               else InboundSms.Outcome.OPTED_OUT if opt_out else InboundSms.Outcome.STORED)
    message = InboundSms.objects.create(provider_id=provider_id, sender=sender, sender_hash=number_hash, body=body,
                                        received_at=received_at, recorded_at=now, outcome=outcome,
                                        cardholders=len(owners))
    for customer in Customer.objects.filter(pk__in=owners).order_by("pk"):
        if opt_out:
            preference_state(customer=customer, kind=PreferenceKind.OPT_OUT_CHANNEL, target=Channel.SMS,
                             value={"opted_out": True}, source=PreferenceSource.SMS_REPLY, actor=SMS_PROVIDER,
                             stated_at=received_at)
        cases = Case.objects.filter(account__customer=customer).exclude(stage=Stage.CLOSED).select_related(
            "account").order_by("pk")
        for case in cases:
            contact_attempt_log(case=case, channel=Channel.SMS, actor=SMS_PROVIDER, result=AttemptResult.LEFT_MESSAGE,
                                occurred_at=received_at, direction=Direction.INBOUND, source=AttemptSource.TELEPHONY,
                                number=sender, notes=body, external_id=f"sms:{provider_id}:{case.pk}", now=now)
    return message
