"""Senders: email through Django's email backends, SMS through a provider interface, letters as PDF.

Each raises DeliveryError when the message did not go out; the caller records it and retries later.
"""

import json
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage

from contacts.messages import Message
from core.i18n import stored_phrase
from core.pdf import document_pdf

# Stored as the contact's last error and shown translated; registered at import.
PROVIDER_ANSWERED = stored_phrase("sms: provider answered %(code)s")


class DeliveryError(Exception):
    pass


# --- email ------------------------------------------------------------------------------------------------

def email_send(*, to: str, message: Message) -> None:
    try:
        sent = EmailMessage(subject=message.subject, body=message.body, to=[to]).send(fail_silently=False)
    except Exception as exc:  # smtplib raises OSError subclasses; other backends raise their own
        raise DeliveryError(f"email: {exc}") from exc
    if sent != 1:
        raise DeliveryError(stored_phrase("email: the backend sent nothing"))


# --- SMS --------------------------------------------------------------------------------------------------

class SmsBackend:
    def send(self, *, to: str, body: str, reference: str) -> str:
        """Send one SMS; return the provider's message id. Raise DeliveryError on failure."""
        raise NotImplementedError


class FileSmsBackend(SmsBackend):
    """Development: append each message as a JSON line to SMS_FILE_PATH."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def send(self, *, to: str, body: str, reference: str) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as outbox:
            outbox.write(json.dumps({"to": to, "body": body, "reference": reference}, ensure_ascii=False) + "\n")
        return f"file:{reference}"


class HttpSmsBackend(SmsBackend):
    """A provider's HTTP API: POST JSON {to, body, reference} with a bearer token; 2xx JSON {"id": …}."""

    def __init__(self, url: str, token: str, timeout: int = 10):
        if not url.startswith(("https://", "http://")):
            raise ValueError("SMS_HTTP_URL must be an http(s) URL")
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, *, to: str, body: str, reference: str) -> str:
        data = json.dumps({"to": to, "body": body, "reference": reference}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url, data=data, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise DeliveryError(PROVIDER_ANSWERED % {"code": exc.code}) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise DeliveryError(f"sms: {exc}") from exc
        return str(answer.get("id", ""))


def sms_backend() -> SmsBackend:
    if settings.SMS_BACKEND == "http":
        return HttpSmsBackend(settings.SMS_HTTP_URL, settings.SMS_HTTP_TOKEN, settings.SMS_HTTP_TIMEOUT)
    if settings.SMS_BACKEND == "file":
        return FileSmsBackend(settings.SMS_FILE_PATH)
    raise ValueError(f"Unknown SMS_BACKEND {settings.SMS_BACKEND!r}: use 'file' or 'http'.")


# --- letters ----------------------------------------------------------------------------------------------

def letter_pdf(*, message: Message) -> bytes:
    """The letter as an A4 PDF: the envelope window's lines at the window, then the letter.

    The file's title is the sender's name alone, like the window: a letter may be seen in a print queue.
    A letter that carries a link to the cardholder's own page ends with it as a QR code.
    """
    return document_pdf(text=message.body, language=message.language, author=settings.CONTACTS_BANK_NAME,
                        title=settings.CONTACTS_BANK_NAME, window=list(message.window), qr=message.link)


def letter_store(*, name: str, pdf: bytes) -> Path:
    folder = Path(settings.MEDIA_ROOT) / "letters"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(pdf)
    return path
