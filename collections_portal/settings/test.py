"""Settings for the test suite: PostgreSQL and Redis on this machine unless the environment says otherwise."""

import os
import uuid

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
# No telephony system here: a promise by phone may be taken without a recording id.
RECORDINGS_REQUIRED_FOR_AGREEMENTS = env.bool("RECORDINGS_REQUIRED_FOR_AGREEMENTS", default=False)  # noqa: F405
# Serve static files straight from the app folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# --- Celery ---------------------------------------------------------------------------------------------
# Each test run has its own queue and its own key prefix in Redis, so two runs on one machine (even on
# the same Redis database) never take each other's tasks. A process the run starts (a worker, a server)
# inherits the run's id through the environment and so talks to the same queue.
TEST_RUN_ID = os.environ.setdefault("TEST_RUN_ID", uuid.uuid4().hex[:12])
CELERY_TASK_DEFAULT_QUEUE = f"test-{TEST_RUN_ID}"
if CELERY_BROKER_URL.startswith("redis"):  # noqa: F405
    _PREFIX = {"global_keyprefix": f"test-{TEST_RUN_ID}:"}
    CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, **_PREFIX}  # noqa: F405
    # Results are kept only for the tasks a test waits on (apply_async(ignore_result=False)), briefly.
    CELERY_RESULT_BACKEND = CELERY_BROKER_URL  # noqa: F405
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = _PREFIX
    CELERY_RESULT_EXPIRES = 600
# A second alias on the same database, as a read replica would be; routed to only in the tests that
# install the replica router (tests/core/test_db_router.py).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
SELF_SERVICE_COOKIE_SECURE = False  # the live server of the journeys speaks plain HTTP
