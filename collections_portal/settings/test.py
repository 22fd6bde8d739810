"""Settings for the test suite: PostgreSQL and Redis on this machine unless the environment says otherwise."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-insecure-key")
# Published keys for test data only; production reads its own from the environment.
os.environ.setdefault("PII_ENCRYPTION_KEYS", "L68D9FiCycVqfQ-OQn3MP7NYQbIcz3OOUhvhz3nbinI=")
os.environ.setdefault("PII_HASH_KEY", "test-only-lookup-hash-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/collections_portal")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")

from .base import *  # noqa: E402,F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
LANGUAGE_CODE = "en"
# Serve static files straight from the app folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# A second alias on the same database, as a read replica would be; routed to only in the tests that
# install the replica router (tests/core/test_db_router.py).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
