"""Delivering automated contacts (SMS, email, letter) when they fall due.

The governor is asked again at delivery time, since a hold or a plan may have arrived since the pass.
A failing provider never blocks anything: the failure is recorded on the contact, which is tried again
after 2, 4, 8 … minutes and marked failed after CONTACTS_MAX_DELIVERY_ATTEMPTS.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contacts.governor import governor_check
from contacts.links import message_link
from contacts.messages import Message, message_render
from contacts.models import AUTOMATED_CHANNELS, ESTATE_LETTER_RULE, Channel, ContactStatus, ScheduledContact
from contacts.senders import DeliveryError, email_send, letter_pdf, letter_store, sms_backend
from contacts.services import cases_first_contact_made
from core.actors import SYSTEM
from core.i18n import stored_phrase
from core.metrics import delivery_record, governor_record


def contacts_due_for_delivery(*, at: dt.datetime | None = None, limit: int = 500) -> list[int]:
    """Ids of automated contacts due by `at`, oldest first."""
    return list(ScheduledContact.objects.filter(
        channel__in=AUTOMATED_CHANNELS, status=ContactStatus.SCHEDULED, due_at__lte=at or timezone.now(),
    ).order_by("due_at", "id").values_list("id", flat=True)[:limit])


def _send(contact: ScheduledContact, at: dt.datetime) -> str:
    """Send `contact` and keep on it what went out: the text as rendered, to whom, and a letter's file."""
    case = contact.case
    customer = case.account.customer
    estate = contact.rule == ESTATE_LETTER_RULE
    # A link is made for this message alone, when it goes out. The letter to the estate and a letter a member of
    # staff wrote (in litigation) never carry one.
    link = "" if estate or contact.drafted_text else message_link(customer=customer, channel=contact.channel, at=at,
                                                                         case=case)
    message = message_render(case=case, channel=contact.channel, at=at, estate=estate, link=link,
                             validation_notice=False if contact.drafted_text else None)
    if contact.drafted_text:
        # A letter a member of staff wrote: their text, under the envelope window's usual lines.
        message = Message(language=message.language, subject="", body=contact.drafted_text, window=message.window)
    contact.rendered_subject, contact.rendered_text = message.subject, message.body
    if contact.channel == Channel.SMS:
        contact.sent_to = customer.phone
        return sms_backend().send(to=customer.phone, body=message.body, reference=contact.idempotency_key)
    if contact.channel == Channel.EMAIL:
        if not customer.email:
            raise DeliveryError(stored_phrase("email: no address on file"))
        contact.sent_to = customer.email
        email_send(to=customer.email, message=message)
        return customer.email
    path = letter_store(name=f"contact-{contact.pk}.pdf", pdf=letter_pdf(message=message))
    contact.sent_to = "\n".join(message.window)
    contact.rendered_text = "\n".join([*message.window, "---", message.body]) if message.window else message.body
    contact.letter_file = path.name
    return str(path.name)


def contact_deliver(*, contact_id: int, at: dt.datetime | None = None) -> str:
    """Deliver one due automated contact, at most once. Returns its status afterwards.

    The row is locked for the delivery, so a second worker given the same contact skips it; a contact
    no longer scheduled (sent, cancelled, held) is left alone. A message sent moves its case from confirm
    or plan to contact, in the same transaction.
    """
    at = at or timezone.now()
    with transaction.atomic():
        contact = (ScheduledContact.objects.select_for_update(skip_locked=True, of=("self",))
                   .select_related("case__account__customer").filter(pk=contact_id).first())
        if contact is None or contact.status != ContactStatus.SCHEDULED or contact.channel not in AUTOMATED_CHANNELS:
            return contact.status if contact else "missing"
        if contact.due_at > at:
            return contact.status
        # An SMS names the number it goes to, so a number reported wrong (or not on file) holds it.
        number = contact.case.account.customer.phone if contact.channel == Channel.SMS else ""
        verdict = governor_check(case=contact.case, channel=contact.channel, at=at, number=number,
                                 purpose=contact.purpose)
        entry = verdict.as_trail()
        if not verdict.allowed:
            governor_record(failed_rules=[failure["rule"] for failure in verdict.failed])
            if verdict.next_permitted_at:
                contact.due_at = verdict.next_permitted_at
                entry["moved_to"] = verdict.next_permitted_at.isoformat()
            else:
                contact.status = ContactStatus.HELD
        else:
            contact.delivery_attempts += 1
            try:
                entry["delivered_via"] = _send(contact, at)
                contact.status, contact.sent_at, contact.last_error = ContactStatus.SENT, at, ""
                # The first message sent is the first contact made: the case enters contact.
                cases_first_contact_made(case_ids=[contact.case_id], actor=SYSTEM, at=at)
            except DeliveryError as exc:
                # Nothing went out: no text is kept as sent.
                contact.sent_to = contact.rendered_subject = contact.rendered_text = contact.letter_file = ""
                contact.last_error = str(exc)[:1000]
                entry["delivery_error"] = contact.last_error
                if contact.delivery_attempts >= settings.CONTACTS_MAX_DELIVERY_ATTEMPTS:
                    contact.status = ContactStatus.FAILED
                else:
                    contact.due_at = at + dt.timedelta(minutes=2 ** contact.delivery_attempts)
                    entry["retry_at"] = contact.due_at.isoformat()
            outcome = {ContactStatus.SENT: "sent", ContactStatus.FAILED: "failed"}.get(contact.status, "retry")
            delivery_record(channel=contact.channel, outcome=outcome)
        contact.trail = [*contact.trail, entry]
        contact.updated_at = timezone.now()
        contact.save(update_fields=["status", "due_at", "sent_at", "delivery_attempts", "last_error", "trail",
                                    "updated_at", "sent_to", "rendered_subject", "rendered_text", "letter_file"])
        return contact.status
