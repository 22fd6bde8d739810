"""What the contacts app holds of a cardholder, for anonymisation past retention (core.anonymise)."""

import json
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction

from contacts.models import Channel, ContactAttempt, Direction, InboundSms, ScheduledContact
from core.anonymise import Cardholder, Scrub, anonymise_register


def register() -> None:
    # Before the attempts: their numbers say which inbound texts were the cardholder's.
    anonymise_register(Scrub("contacts.InboundSms", "", fields=("sender", "sender_hash", "body"),
                             also=inbound_texts_scrub))
    anonymise_register(Scrub("contacts.ContactAttempt", "customer",
                             fields=("number", "number_hash", "notes", "recording_ref", "recording_sha256"),
                             also=recordings_released))
    anonymise_register(Scrub("contacts.ContactException", "case__account__customer", fields=("reason",)))
    anonymise_register(Scrub("contacts.ScheduledContact", "case__account__customer",
                             fields=("last_error", "sent_to", "rendered_subject", "rendered_text", "drafted_text",
                                     "letter_file"),
                             also=messages_sent_scrub))


def inbound_texts_scrub(cardholder: Cardholder) -> None:
    """The provider's record of the texts the cardholder sent: it names no cardholder (a number may be
    shared), so it is found by the numbers of the inbound texts stored on the cardholder's cases."""
    senders = set(ContactAttempt.objects.filter(customer_id=cardholder.customer_id, channel=Channel.SMS,
                                                direction=Direction.INBOUND).exclude(number_hash="")
                  .values_list("number_hash", flat=True))
    if senders:
        InboundSms.objects.filter(sender_hash__in=senders).update(sender="", sender_hash="", body="")


def recordings_released(cardholder: Cardholder) -> dict[int, dict]:
    """The recordings of the cardholder's calls, per case, for the telephony system to destroy: their
    references are cleared with the rest, so the event that says so is the last place they are named.
    Every case is closed and past retention here, so no debt is still owed on any of them."""
    released: dict[int, dict] = {}
    for case_id, ref, sha256 in (ContactAttempt.objects.filter(customer_id=cardholder.customer_id)
                                 .exclude(recording_ref="").order_by("pk")
                                 .values_list("case_id", "recording_ref", "recording_sha256")):
        released.setdefault(case_id, {"recordings_released": []})["recordings_released"].append(
            {"ref": ref, "sha256": sha256})
    return released


def messages_sent_scrub(cardholder: Cardholder) -> None:
    """Letters rendered to MEDIA_ROOT/letters/ are deleted, and the development SMS outbox's lines for the
    cardholder lose their number and text. Both after commit, so a rollback leaves them as they were."""
    contacts = ScheduledContact.objects.filter(case_id__in=cardholder.case_ids)
    letters = [Path(settings.MEDIA_ROOT) / "letters" / f"contact-{pk}.pdf"
               for pk in contacts.filter(channel=Channel.LETTER).values_list("pk", flat=True)]
    sms_references = set(contacts.filter(channel=Channel.SMS).values_list("idempotency_key", flat=True))

    def scrub():
        for path in letters:
            path.unlink(missing_ok=True)
        if sms_references:
            sms_outbox_scrub(Path(settings.SMS_FILE_PATH), sms_references)

    transaction.on_commit(scrub)


def sms_outbox_scrub(path: Path, references: set[str]) -> None:
    """Blank `to` and `body` of the outbox lines sent under these references; the file is replaced whole."""
    if not path.exists():
        return
    lines, changed = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            lines.append(line)
            continue
        if isinstance(message, dict) and message.get("reference") in references:
            message.update(to="", body="")
            line, changed = json.dumps(message, ensure_ascii=False), True
        lines.append(line)
    if changed:
        temporary = path.with_suffix(".anonymising")
        temporary.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        os.replace(temporary, path)
