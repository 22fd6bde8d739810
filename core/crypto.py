"""Encryption at rest for personal data, and keyed hashes for exact lookups.

Values are encrypted with the first key of PII_ENCRYPTION_KEYS (Fernet: AES-128-CBC with HMAC-SHA256)
and decrypted with whichever listed key made them, so a key can be rotated: put the new key first,
deploy, run `manage.py rotate_pii_key`, then drop the old key. Because encryption is randomised, an
exact search compares keyed hashes (HMAC-SHA256 with PII_HASH_KEY) kept beside the ciphertext.
"""

import hashlib
import hmac
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("PII_ENCRYPTION_KEYS is empty: personal data cannot be encrypted.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("PII_ENCRYPTION_KEYS holds a malformed key (see README).") from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.PII_ENCRYPTION_KEYS))


def pii_encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode() if value else ""


def pii_decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("A personal-data value cannot be decrypted with PII_ENCRYPTION_KEYS.") from exc


def pii_hash(value: str) -> str:
    """A keyed hash of a normalised value, for exact lookups; empty for an empty value."""
    normalised = "".join((value or "").split()).upper()
    if not normalised:
        return ""
    return hmac.new(settings.PII_HASH_KEY.encode(), normalised.encode(), hashlib.sha256).hexdigest()


def pii_rotate(token: str) -> str:
    """Re-encrypt a stored value with the current first key."""
    return fernet().rotate(token.encode()).decode() if token else ""


class EncryptedTextField(models.TextField):
    """A text column that holds only ciphertext; Python code sees the plain value."""

    def from_db_value(self, value, expression, connection):
        return pii_decrypt(value) if value is not None else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return pii_encrypt(value) if value else (value if value is None else "")


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (for example a list of phone numbers), encrypted as a whole."""

    def from_db_value(self, value, expression, connection):
        plain = super().from_db_value(value, expression, connection)
        return json.loads(plain) if plain else []

    def to_python(self, value):
        if isinstance(value, str):
            return json.loads(value) if value else []
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return pii_encrypt(json.dumps(value, ensure_ascii=False)) if value else ""

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), ensure_ascii=False)
