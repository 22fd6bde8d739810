"""Settings for a developer's machine: `make run` and `manage.py` from the checkout. No server is needed.

Without DATABASE_URL every process uses the embedded PostgreSQL server in var/postgres/, starting it when
it is not running (core/embedded_postgres.py).
"""

import os
from pathlib import Path

os.environ.setdefault("DJANGO_SECRET_KEY", "local-only-insecure-key-never-used-in-production")
# Published keys for local data only; production reads its own from the environment.
os.environ.setdefault("PII_ENCRYPTION_KEYS", "34dN5yRa7x-pCMD9puEyrQxbWZokqm5XAzB-6MsAmlw=")
os.environ.setdefault("PII_HASH_KEY", "local-only-lookup-hash-key")

EMBEDDED_POSTGRES_DATA = None
if not os.environ.get("DATABASE_URL"):
    from core.embedded_postgres import data_dir_default, database_url

    EMBEDDED_POSTGRES_DATA = data_dir_default(Path(__file__).resolve().parent.parent.parent)
    os.environ["DATABASE_URL"] = database_url(EMBEDDED_POSTGRES_DATA)

from .base import *  # noqa: E402,F403
from .base import env  # noqa: E402

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
# No telephony system here: a promise by phone may be taken without a recording id.
RECORDINGS_REQUIRED_FOR_AGREEMENTS = env.bool("RECORDINGS_REQUIRED_FOR_AGREEMENTS", default=False)
# Serve static files straight from the app folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
