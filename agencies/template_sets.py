"""An agency's template set: its own texts for the automated SMS, letters and emails sent while it works a case.

A manager uploads a version (a JSON file or the form's text boxes) and publishes it; the published version
in force is the one marked `active`. While a case is placed, `placed_message_text` (registered with
contacts.messages.message_text_register) gives the agency's text for the message's channel and language,
and withholds the message when the agency has no version in force or it does not cover the channel. The
escalation pass plans only the channels the version in force covers (escalation.chunk_sql), and a
version published or withdrawn marks the agency's placed cases for it (escalation 0014).
"""

import json
import re

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Placement, TemplateSet
from audit.services import audit_log
from contacts.messages import PLACEHOLDERS, MessageWithheld
from core.errors import Conflict, DomainError
from staff.models import Agency, Language

CHANNELS = ("sms", "letter", "email")
CHANNEL_NAMES = {"sms": _("SMS"), "letter": _("Letter"), "email": _("Email")}
LANGUAGES = tuple(Language.values)
# The agency's own name may be named too, besides what every message to the cardholder may use.
SET_PLACEHOLDERS = PLACEHOLDERS | {"agency"}
# Characters of the text as written (placeholders unfilled). An SMS over 480 goes out in more than three parts.
MAX_CHARS = {"sms": 480, "letter": 8000, "email": 8000}
UPLOAD_MAX_BYTES = 256 * 1024
_TAG = re.compile(r"{{(.*?)}}|{%|%}|{#|#}", re.DOTALL)
_NAME = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")


def field_name(channel: str, language: str) -> str:
    """The form field (and error path) of one text: sms_zh_hans, letter_en …"""
    return f"{channel}_{language.replace('-', '_')}"


def _check_text(channel: str, language: str, text: str) -> None:
    field = field_name(channel, language)
    if len(text) > MAX_CHARS[channel]:
        raise DomainError(_("At most %(max)s characters; this text has %(count)s."),
                          params={"max": MAX_CHARS[channel], "count": len(text)}, code="too_long", field=field)
    for match in _TAG.finditer(text):
        name = _NAME.match(match.group(1) or "")
        if match.group(1) is None or name is None:
            raise DomainError(_("Only placeholders such as {{ name }} may be used; %(found)s is not one."),
                              params={"found": match.group(0)[:40]}, code="bad_placeholder", field=field)
        if name.group(1) not in SET_PLACEHOLDERS:
            raise DomainError(_("Unknown placeholder {{ %(name)s }}. Known: %(known)s."),
                              params={"name": name.group(1), "known": ", ".join(sorted(SET_PLACEHOLDERS))},
                              code="unknown_placeholder", field=field)
    left = _TAG.sub("", text)
    if "{{" in left or "}}" in left:
        # An unclosed placeholder would go out to the cardholder as typed.
        raise DomainError(_("Only placeholders such as {{ name }} may be used; %(found)s is not one."),
                          params={"found": "{{" if "{{" in left else "}}"}, code="bad_placeholder", field=field)


def template_set_check(*, texts: dict) -> dict[str, dict[str, str]]:
    """The texts cleaned: {channel: {language: text}} for the channels given. A channel is covered in every
    language or not at all; each text uses known placeholders only and keeps within its channel's size."""
    if not isinstance(texts, dict) or any(not isinstance(v, dict) for v in texts.values()):
        raise DomainError(_('Give the texts as {"sms": {"zh-hans": "…", "en": "…"}, …}.'), code="bad_shape",
                          field="file")
    unknown = sorted(set(texts) - set(CHANNELS))
    if unknown:
        raise DomainError(_("Unknown channel %(channel)s: use sms, letter or email."),
                          params={"channel": unknown[0]}, code="unknown_channel", field="file")
    cleaned = {}
    for channel in CHANNELS:
        given = {language: str(texts.get(channel, {}).get(language) or "").strip() for language in LANGUAGES}
        extra = sorted(set(texts.get(channel, {})) - set(LANGUAGES))
        if extra:
            raise DomainError(_("Unknown language %(language)s: use zh-hans or en."), params={"language": extra[0]},
                              code="unknown_language", field="file")
        if not any(given.values()):
            continue
        for language, text in given.items():
            if not text:
                raise DomainError(_("A channel the set covers needs its text in every language."),
                                  code="language_missing", field=field_name(channel, language))
            _check_text(channel, language, text)
        cleaned[channel] = given
    if not cleaned:
        raise DomainError(_("Give the text of at least one channel, in every language."), code="empty")
    return cleaned


def template_set_parse(*, upload) -> dict:
    """The texts of an uploaded JSON file, as given (template_set_check judges them)."""
    if upload.size > UPLOAD_MAX_BYTES:
        raise DomainError(_("The file is larger than %(kb)s KB."), params={"kb": UPLOAD_MAX_BYTES // 1024},
                          code="too_large", field="file")
    try:
        texts = json.loads(upload.read().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DomainError(_("The file is not JSON text in UTF-8."), code="not_json", field="file") from exc
    if not isinstance(texts, dict):
        raise DomainError(_('Give the texts as {"sms": {"zh-hans": "…", "en": "…"}, …}.'), code="bad_shape",
                          field="file")
    return texts


@transaction.atomic
def template_set_upload(*, agency: Agency, texts: dict, actor, note: str = "") -> TemplateSet:
    """Keep a new version of the agency's template set, not yet in force. Versions count up per agency (the
    agency row is locked while the next number is taken). Audited."""
    cleaned = template_set_check(texts=texts)
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    number = (TemplateSet.objects.filter(agency=agency).aggregate(n=Max("version"))["n"] or 0) + 1
    version = TemplateSet.objects.create(agency=agency, version=number, texts=cleaned, note=(note or "").strip(),
                                         created_by=actor)
    audit_log(actor=actor, action="template_set.uploaded", obj=version,
              changes={"agency": agency.name, "version": number, "channels": sorted(cleaned)}, reason=note)
    return version


@transaction.atomic
def template_set_publish(*, version: TemplateSet, actor) -> TemplateSet:
    """Put a version in force for the agency, in place of the one in force (if any). The agency's placed
    cases are marked for the escalation pass by a trigger. Audited."""
    locked = TemplateSet.objects.select_for_update().get(pk=version.pk)
    if locked.active:
        raise Conflict(_("This version is already in force."), code="already_active")
    previous = TemplateSet.objects.filter(agency_id=locked.agency_id, active=True).first()
    TemplateSet.objects.filter(agency_id=locked.agency_id, active=True).update(active=False)
    now = timezone.now()
    locked.active = True
    locked.published_at = locked.published_at or now
    locked.published_by = locked.published_by or actor
    locked.save(update_fields=["active", "published_at", "published_by"])
    audit_log(actor=actor, action="template_set.published", obj=locked,
              changes={"agency": locked.agency.name, "version": locked.version,
                       "replaces": previous.version if previous else None})
    return locked


@transaction.atomic
def template_set_withdraw(*, agency: Agency, actor, reason: str) -> TemplateSet:
    """Take the agency's version out of force: its placed cases get no automated message. Audited."""
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DomainError(_("Say why (at least 5 characters)."), code="reason_required", field="reason")
    current = TemplateSet.objects.select_for_update().filter(agency=agency, active=True).first()
    if current is None:
        raise Conflict(_("No version is in force."), code="none_active")
    current.active = False
    current.save(update_fields=["active"])
    audit_log(actor=actor, action="template_set.withdrawn", obj=current,
              changes={"agency": agency.name, "version": current.version}, reason=reason)
    return current


def template_set_active(*, agency_id: int) -> TemplateSet | None:
    return TemplateSet.objects.filter(agency_id=agency_id, active=True).first()


def template_sets_of(*, agency: Agency):
    return TemplateSet.objects.filter(agency=agency).select_related("created_by", "published_by").order_by("-version")


def placed_message_text(*, case, channel: str, language: str) -> str | None:
    """contacts.messages provider: None for a case no agency works (the bank's template); the agency's
    text while it does, with the agency's name filled in; MessageWithheld when it has none for `channel`."""
    placement = Placement.objects.filter(case_id=case.pk, ended_at__isnull=True).select_related("agency").first()
    if placement is None:
        return None
    version = template_set_active(agency_id=placement.agency_id)
    text = ((version.texts if version else {}).get(channel) or {}).get(language)
    if not text:
        raise MessageWithheld(channel)
    return re.sub(r"{{\s*agency\s*}}", lambda _match: placement.agency.name, text)
