"""The contacts' sections of an evidence pack (core.evidence): the contact record and the messages sent.

Shared by every pack that shows them (the cardholder's file, the lawyer's pack), so both read the same."""

from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from contacts.governor import breach_text
from contacts.models import AUTOMATED_CHANNELS, ContactAttempt, ContactStatus, ScheduledContact
from core.evidence import EvidencePack, path_bytes, when_text


def attempts_section(pack: EvidencePack, attempts: QuerySet[ContactAttempt], zone: ZoneInfo) -> None:
    """Every contact attempt: direction, time, who, result, third party, breach, exception and recording."""
    attempts = attempts.select_related("exception").order_by("occurred_at", "id")
    pack.section_add(_("Contacts"), [[
        (_("Case"), f"#{attempt.case_id}"), (_("Time"), when_text(attempt.occurred_at, zone)),
        (_("Direction"), attempt.get_direction_display()), (_("Channel"), attempt.get_channel_display()),
        (_("By"), attempt.actor_label), (_("Result"), attempt.get_result_display()),
        (_("Third party"), _("Yes") if attempt.third_party else _("No")),
        (_("Breach"), breach_text(attempt.breached_rules) if attempt.breached_rules else _("No")),
        (_("Authorised exception"), f"{attempt.exception.granted_by_label}: {attempt.exception.reason}"
         if attempt.exception_id else _("No")),
        (_("Recording"), f"{attempt.recording_ref} (SHA-256 {attempt.recording_sha256 or '—'})"
         if attempt.recording_ref else "—"),
    ] for attempt in attempts], empty=_("None"))


def sent_messages(contacts: QuerySet[ScheduledContact]) -> QuerySet[ScheduledContact]:
    """The letters, SMS and email of `contacts` that went out, oldest first."""
    return contacts.filter(status=ContactStatus.SENT, channel__in=AUTOMATED_CHANNELS).order_by("sent_at", "id")


def messages_section(pack: EvidencePack, contacts: QuerySet[ScheduledContact], zone: ZoneInfo, *,
                     title: str | None = None) -> None:
    """Every letter, SMS and email sent, with the text that went out and each letter's PDF as a document."""
    rows = []
    for message in sent_messages(contacts):
        row = [(_("Case"), f"#{message.case_id}"), (_("Sent"), when_text(message.sent_at, zone)),
               (_("Channel"), message.get_channel_display())]
        if message.rendered_subject:
            row.append((_("Subject"), message.rendered_subject))
        row.append((_("Text"), message.rendered_text or _("Not kept: sent before texts were stored.")))
        if message.letter_file:
            name = Path(message.letter_file).name
            data = path_bytes(Path(settings.MEDIA_ROOT) / "letters" / name)
            row.append((_("File"), pack.file_add(f"letters/{name}", data) if data is not None
                        else _("Missing from storage")))
        rows.append(row)
    pack.section_add(title or _("Letters, SMS and email sent"), rows, empty=_("None"))
