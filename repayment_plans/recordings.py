"""The recording of the call in which a cardholder agreed a promise or a plan (Art. 70, oral agreements).

When RECORDINGS_REQUIRED_FOR_AGREEMENTS is on (production), an agreement made on the phone names the
telephony system's recording id; the file's SHA-256 is optional. Where it is off (local runs, the demo)
the forms still offer the fields. A recording named here is released to the telephony system only when
the cardholder is anonymised past retention (cases.retention), so it is kept at least until the debt is
repaid and never shorter than the retention period.
"""

import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def agreement_recording(*, by_phone: bool, ref: str, sha256: str, error: type[DomainError]) -> tuple[str, str]:
    """The recording's id and SHA-256, trimmed (the hash lowercased); `error` (with the field) when the
    id is required and missing, too long, or the hash is not 64 hexadecimal characters."""
    ref, sha256 = (ref or "").strip(), (sha256 or "").strip().lower()
    if by_phone and settings.RECORDINGS_REQUIRED_FOR_AGREEMENTS and not ref:
        raise error(_("An agreement made on the phone needs the call's recording id."), code="recording_required",
                    field="recording_ref")
    if len(ref) > 200:
        raise error(_("The recording id is at most 200 characters."), code="invalid_recording",
                    field="recording_ref")
    if sha256 and not SHA256.match(sha256):
        raise error(_("The SHA-256 is 64 hexadecimal characters."), code="invalid_recording",
                    field="recording_sha256")
    return ref, sha256
