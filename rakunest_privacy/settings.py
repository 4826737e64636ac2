"""Settings, configured only through environment variables (see README and .env.example).

DJANGO_DEBUG is off unless set, and production must then provide DJANGO_SECRET_KEY, DATABASE_URL,
CELERY_BROKER_URL and the other secrets. DJANGO_DEBUG=true (set by make run, make test and .ci/run) is
the development set-up: SQLite and a file-system Celery broker under var/, e-mail written to files
under var/mail/.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(env.str("RAKUNEST_VAR_DIR", default=str(BASE_DIR / "var")))


def _required(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"Set the {name} environment variable (required when DJANGO_DEBUG is off)."
        )
    return value


_BOOLEANS = {
    "true": True,
    "1": True,
    "yes": True,
    "on": True,
    "false": False,
    "0": False,
    "no": False,
    "off": False,
}


def _strict_bool(name: str, default: bool) -> bool:
    """django-environ reads any unknown word as False; a typo in DJANGO_DEBUG must not pass silently."""
    raw = env.str(name, default="").strip().lower()
    if not raw:
        return default
    if raw not in _BOOLEANS:
        raise ValueError(f"expected true or false, got {raw!r}")
    return _BOOLEANS[raw]


def _parsed(name: str, parse, default):
    """Parse an environment variable, turning a malformed value into ImproperlyConfigured naming it."""
    try:
        return parse(name, default=default)
    except (ValueError, KeyError, ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"The {name} environment variable is malformed: {exc}") from exc


# --- Core -----------------------------------------------------------------------------------------
DEBUG = _parsed("DJANGO_DEBUG", _strict_bool, False)  # off unless asked for: make run and tests turn it on
SECRET_KEY = (
    env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
    if DEBUG
    else _required("DJANGO_SECRET_KEY")
)
ALLOWED_HOSTS = _parsed(
    "DJANGO_ALLOWED_HOSTS", env.list, ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = _parsed("DJANGO_CSRF_TRUSTED_ORIGINS", env.list, [])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "rakunest_privacy.apps.AdminConfig",  # django.contrib.admin with staff's OTP-checking site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "records",
    "verification",
    "requests_app",
    "drp",
    "staff",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files: the CSP allows no CDN
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "requests_app.optout.middleware.GlobalPrivacyControlMiddleware",
    # After the session (and before CommonMiddleware), as Django asks: Accept-Language or the switcher's cookie.
    "django.middleware.locale.LocaleMiddleware",
    "rakunest_privacy.middleware.StaffEnglishMiddleware",  # /staff/ and /admin/ stay English
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): staff MFA (staff/mfa.py)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "rakunest_privacy.urls"
WSGI_APPLICATION = "rakunest_privacy.wsgi.application"

_template_loaders = [
    "django.template.loaders.filesystem.Loader",
    "django.template.loaders.app_directories.Loader",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "requests_app.context_processors.portal",
                "requests_app.context_processors.gpc",
            ],
            # {% translate %} and {% blocktranslate %} in every template (issue 14: Spanish pages).
            "builtins": ["django.templatetags.i18n"],
            # Form pages are the first bottleneck of intake: keep compiled templates outside debug.
            "loaders": _template_loaders
            if DEBUG
            else [("django.template.loaders.cached.Loader", _template_loaders)],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------
DATABASES = {"default": _parsed("DATABASE_URL", env.db_url, f"sqlite:///{VAR_DIR / 'rakunest.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A new connection per request costs ~5x intake throughput (DESIGN §8): keep them, but check them.
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif not DEBUG:
    raise ImproperlyConfigured("Set DATABASE_URL to a PostgreSQL database (postgres://…) in production.")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The development server and the worker write to the same file: wait for each other's locks
    # instead of failing with "database is locked", and let readers run beside a writer (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Intake's one-statement chains (requests_app/intake/sql.py) are prepared once per connection. Switch
# this off behind a pooler in transaction mode (pgbouncer's `pool_mode = transaction`), where the next
# statement may reach another server session.
DATABASE_PREPARED_STATEMENTS = _parsed("DATABASE_PREPARED_STATEMENTS", _strict_bool, True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, one-time-code throttles) ---------------------------------------------------
CACHES = {
    "default": _parsed("CACHE_URL", env.cache_url, "locmemcache://rakunest")
    if env.str("CACHE_URL", default="")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rakunest"}
}

# --- Auth, sessions, security -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/staff/login/"
SESSION_COOKIE_AGE = _parsed("SESSION_COOKIE_AGE", env.int, 60 * 60 * 8)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# With a shared cache (Redis) sessions live there: every intake POST writes one, and a database
# transaction for it would halve intake throughput (bench/intake.py). Without one, the database.
if env.str("CACHE_URL", default=""):
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = _parsed("DJANGO_SECURE_SSL_REDIRECT", _strict_bool, not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = _parsed("DJANGO_SECURE_HSTS_SECONDS", env.int, 0 if DEBUG else 60 * 60 * 24 * 365)
# check --deploy is clean with these on (tests/test_settings.py); turn them off only for a domain whose
# subdomains are not all served over HTTPS, or that must stay off the browsers' preload list.
SECURE_HSTS_INCLUDE_SUBDOMAINS = _parsed("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", _strict_bool, not DEBUG)
SECURE_HSTS_PRELOAD = _parsed("DJANGO_SECURE_HSTS_PRELOAD", _strict_bool, not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Public pages, e-mails and reports in English and Spanish; the request keeps the language it was made in.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# DATE_FORMAT / DATETIME_FORMAT per language (templates write date:"DATE_FORMAT", never an English pattern).
FORMAT_MODULE_PATH = ["rakunest_privacy.formats"]
# The switcher's choice (django_language cookie: "en" or "es", nothing about the person), like the session's.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
TIME_ZONE = "America/Los_Angeles"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Reports and uploads: private storage, never served by URL; files are encrypted before they get here.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The first handler keeps each file's raw name for the upload checks (verification/upload_handlers.py).
FILE_UPLOAD_HANDLERS = [
    "verification.upload_handlers.RawFileNameUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Fernet keys (comma-separated, newest first) for reports and uploads at rest.
_fernet_keys = env.list("FERNET_KEYS", default=[])
if not _fernet_keys:
    if not DEBUG:
        raise ImproperlyConfigured("Set FERNET_KEYS (comma-separated Fernet keys) when DJANGO_DEBUG is off.")
    _dev_key_file = VAR_DIR / "dev-fernet.key"
    if not _dev_key_file.exists():
        _dev_key_file.parent.mkdir(parents=True, exist_ok=True)
        _dev_key_file.write_bytes(Fernet.generate_key())
    _fernet_keys = [_dev_key_file.read_text().strip()]
for _key in _fernet_keys:
    try:
        Fernet(_key)
    except ValueError as exc:
        raise ImproperlyConfigured("FERNET_KEYS holds a malformed key (32 url-safe base64 bytes).") from exc
FERNET_KEYS = _fernet_keys

# --- E-mail -----------------------------------------------------------------------------------------
if env.str("EMAIL_URL", default=""):
    vars().update(_parsed("EMAIL_URL", env.email_url, None))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="RakuNest Privacy <privacy-requests@rakunest.example>"
)
PRIVACY_CONTACT_EMAIL = env.str("PRIVACY_CONTACT_EMAIL", default="rusa-privacy@mail.rakuten.com")
PRIVACY_CONTACT_PHONE = env.str("PRIVACY_CONTACT_PHONE", default="+1 (888) 551-2118")
# Linked from every page's header and footer (issue 15, item 8).
PRIVACY_POLICY_URL = env.str("PRIVACY_POLICY_URL", default="https://www.rakunest.com/privacy-policy/")

# --- Celery -----------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if not DEBUG and CELERY_BROKER_URL.startswith("filesystem"):
    raise ImproperlyConfigured("Set CELERY_BROKER_URL to a Redis URL (redis://…) in production.")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Longer than the longest task's hard limit, so a slow task is not redelivered while it runs.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60 * 2}
CELERY_TASK_ALWAYS_EAGER = _parsed("CELERY_TASK_ALWAYS_EAGER", _strict_bool, False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 10
CELERY_TASK_TIME_LIMIT = 60 * 15
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# CELERY_BEAT_SCHEDULE: at the end of this file, in one place.
# Outbox (requests_app.outbox): relay in the commit hook itself instead of a worker (eager set-ups only).
OUTBOX_RELAY_SYNC = _parsed("OUTBOX_RELAY_SYNC", _strict_bool, CELERY_TASK_ALWAYS_EAGER)

# --- Privacy portal rules (DESIGN §4–6) ----------------------------------------------------------
OTP_TTL_MINUTES = _parsed("OTP_TTL_MINUTES", env.int, 15)
OTP_MAX_ATTEMPTS = _parsed("OTP_MAX_ATTEMPTS", env.int, 5)
STATUS_ACCESS_MINUTES = _parsed("STATUS_ACCESS_MINUTES", env.int, 15)
REPORT_TTL_DAYS = _parsed("REPORT_TTL_DAYS", env.int, 30)
STUCK_REQUEST_MINUTES = _parsed("STUCK_REQUEST_MINUTES", env.int, 30)
REPORT_ACCESS_MINUTES = _parsed(
    "REPORT_ACCESS_MINUTES", env.int, 10
)  # a download code opens the files this long
BENCH_ENDPOINTS = _parsed("BENCH_ENDPOINTS", _strict_bool, False)
RATELIMIT_ENABLE = _parsed("RATELIMIT_ENABLE", _strict_bool, True)
# Rate limits and code throttles count in the cache: a per-process cache (locmem) counts per worker,
# multiplying every limit by the number of workers, so production needs a shared one while they are on.
if (
    not DEBUG
    and RATELIMIT_ENABLE
    and CACHES["default"]["BACKEND"]
    in ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")
):
    raise ImproperlyConfigured(
        "Set CACHE_URL to a shared cache (rediscache://…) in production: rate limits count per worker "
        "otherwise (or set RATELIMIT_ENABLE=false)."
    )
# Authorized agents (Regs §7063) and uploads (verification/uploads.py).
UPLOAD_MAX_BYTES = _parsed("UPLOAD_MAX_BYTES", env.int, 10 * 1024 * 1024)
CLAMD_HOST = env.str("CLAMD_HOST", default="")  # optional virus scan of uploads when set
CLAMD_PORT = _parsed("CLAMD_PORT", env.int, 3310)
AGENT_CONFIRMATION_DAYS = _parsed("AGENT_CONFIRMATION_DAYS", env.int, 10)
AGENT_CONFIRMATION_MAX_FAILURES = _parsed("AGENT_CONFIRMATION_MAX_FAILURES", env.int, 5)
AGENT_DAILY_REQUEST_WARNING = _parsed("AGENT_DAILY_REQUEST_WARNING", env.int, 20)
# Data Rights Protocol (drp/): our id in the DRP directory, how long a signed message may live, and where
# status callbacks may go (https on a public address; development and tests may allow local http).
DRP_BUSINESS_ID = env.str("DRP_BUSINESS_ID", default="RAKUNEST")
DRP_MESSAGE_MAX_MINUTES = _parsed("DRP_MESSAGE_MAX_MINUTES", env.int, 15)
DRP_CLOCK_SKEW_SECONDS = _parsed("DRP_CLOCK_SKEW_SECONDS", env.int, 10)
DRP_CALLBACK_ALLOW_HTTP = _parsed("DRP_CALLBACK_ALLOW_HTTP", _strict_bool, DEBUG)
DRP_CALLBACK_ALLOW_PRIVATE = _parsed("DRP_CALLBACK_ALLOW_PRIVATE", _strict_bool, DEBUG)
DRP_RATE_LIMIT = env.str("DRP_RATE_LIMIT", default="600/m")  # calls per minute per address
DRP_CALLBACK_TIMEOUT_SECONDS = _parsed("DRP_CALLBACK_TIMEOUT_SECONDS", env.float, 10.0)

# Identity verification (DESIGN §5; Regs §7062). Points needed per kind; delete/correct need the
# "sensitive" level when the consumer's records hold a sensitive data-point type (Regs §7062(d)).
VERIFICATION_POINTS = {
    "know_categories": 2,
    "access_specific": 3,
    "delete": 2,
    "correct": 2,
    "shine_the_light": 2,
    "unsubscribe": 2,
    "close_account": 2,
    # Access to ADMT information: a request to know about the consumer (Regs §7222, verified as under
    # Article 5 at the reasonable degree of a request to know categories). Opt-out of ADMT needs none (§7221).
    "admt_access": 2,
    # An agent's opt-in to sale (DRP): the code at the address on record and one more data point before the
    # consumer is asked to confirm the opt-in itself (Regs §7028(a)); the web opt-in asks for no more.
    "sale_opt_in": 2,
}
# The ADMT request kinds (Regs §§7220–7222, in force 2027-01-01): off until staff are ready for them.
ADMT_REQUESTS_ENABLED = _parsed("ADMT_REQUESTS_ENABLED", _strict_bool, False)
VERIFICATION_POINTS_SENSITIVE = _parsed("VERIFICATION_POINTS_SENSITIVE", env.int, 3)
VERIFICATION_NAME_THRESHOLD = _parsed("VERIFICATION_NAME_THRESHOLD", env.float, 90.0)
VERIFICATION_MAX_CANDIDATES = 20
# Verified requests of these kinds skip staff review and go straight to fulfilment. Development lists
# the know/access kinds so the demo runs end to end; production defaults to none (staff approve all).
AUTO_APPROVE_VERIFIED_KINDS = _parsed(
    "AUTO_APPROVE_VERIFIED_KINDS", env.list, ["know_categories", "access_specific"] if DEBUG else []
)
ACCESS_REQUESTS_PER_YEAR = _parsed("ACCESS_REQUESTS_PER_YEAR", env.int, 2)
# One-time-code throttles (cache counters): codes sent per address and per request scope per hour,
# code checks per IP address per 15 minutes.
OTP_ISSUE_PER_ADDRESS_PER_HOUR = _parsed("OTP_ISSUE_PER_ADDRESS_PER_HOUR", env.int, 6)
OTP_ISSUE_PER_SCOPE_PER_HOUR = _parsed("OTP_ISSUE_PER_SCOPE_PER_HOUR", env.int, 6)
OTP_CHECKS_PER_IP_PER_15_MIN = _parsed("OTP_CHECKS_PER_IP_PER_15_MIN", env.int, 30)
# Text messages for codes sent to an on-record phone: files under var/sms/ in development.
SMS_BACKEND = env.str("SMS_BACKEND", default="verification.sms.FileBackend")
SMS_FILE_PATH = VAR_DIR / "sms"
GPC_COOKIE_DAYS = _parsed("GPC_COOKIE_DAYS", env.int, 400)  # the browser-level GPC opt-out record

# Processor notices (CCPA §1798.105(c)): signed webhooks and the keyed hash of the consumer's identifiers
# shared with recipients under contract so that they can find the person in their own records.
PROCESSOR_WEBHOOK_SECRET = (
    env.str("PROCESSOR_WEBHOOK_SECRET", default="dev-only-processor-webhook-secret")
    if DEBUG
    else _required("PROCESSOR_WEBHOOK_SECRET")
)
PROCESSOR_SUBJECT_HASH_KEY = (
    env.str("PROCESSOR_SUBJECT_HASH_KEY", default="dev-only-processor-subject-key")
    if DEBUG
    else _required("PROCESSOR_SUBJECT_HASH_KEY")
)
PROCESSOR_WEBHOOK_TIMEOUT_SECONDS = _parsed("PROCESSOR_WEBHOOK_TIMEOUT_SECONDS", env.float, 10.0)
PROCESSOR_SIGNATURE_TOLERANCE_SECONDS = _parsed("PROCESSOR_SIGNATURE_TOLERANCE_SECONDS", env.int, 300)
PROCESSOR_SEND_MAX_RETRIES = _parsed("PROCESSOR_SEND_MAX_RETRIES", env.int, 8)
PROCESSOR_RETRY_BASE_SECONDS = _parsed("PROCESSOR_RETRY_BASE_SECONDS", env.int, 60)
PROCESSOR_REMINDER_HOURS = _parsed("PROCESSOR_REMINDER_HOURS", env.int, 72)
# Deletion (Regs §7022): the confirmed deletion waits this long so the requester can still cancel it.
DELETION_CANCEL_WINDOW_MINUTES = _parsed("DELETION_CANCEL_WINDOW_MINUTES", env.int, 24 * 60)
DELETION_CONFIRM_DAYS = _parsed("DELETION_CONFIRM_DAYS", env.int, 14)
SECURITY_LOG_RETENTION_DAYS = _parsed("SECURITY_LOG_RETENTION_DAYS", env.int, 90)
# External systems (requests_app/systems): one task per system and request, retried with backoff
# (base, doubled each time, capped at an hour); a run failing longer than the alert time e-mails staff.
SYSTEM_RUN_MAX_RETRIES = _parsed("SYSTEM_RUN_MAX_RETRIES", env.int, 8)
SYSTEM_RUN_RETRY_BASE_SECONDS = _parsed("SYSTEM_RUN_RETRY_BASE_SECONDS", env.int, 30)
SYSTEM_FAILING_ALERT_MINUTES = _parsed("SYSTEM_FAILING_ALERT_MINUTES", env.int, 60)
# Manual systems: the owner's link lives this long; a reminder (with a new link) follows every N hours.
MANUAL_TASK_DAYS = _parsed("MANUAL_TASK_DAYS", env.int, 7)
MANUAL_TASK_REMINDER_HOURS = _parsed("MANUAL_TASK_REMINDER_HOURS", env.int, 48)
MANUAL_UPLOAD_MAX_BYTES = _parsed("MANUAL_UPLOAD_MAX_BYTES", env.int, 2 * 1024 * 1024)
MANUAL_UPLOAD_MAX_ROWS = _parsed("MANUAL_UPLOAD_MAX_ROWS", env.int, 20_000)
# Suppression list key: internal only, never shared (unlike PROCESSOR_SUBJECT_HASH_KEY); changing it
# makes earlier suppression records unmatchable.
SUPPRESSION_HASH_KEY = (
    env.str("SUPPRESSION_HASH_KEY", default="dev-only-suppression-key")
    if DEBUG
    else _required("SUPPRESSION_HASH_KEY")
)
# Staff (/staff/): sign out after this much inactivity, within SESSION_COOKIE_AGE's hard limit.
STAFF_IDLE_MINUTES = _parsed("STAFF_IDLE_MINUTES", env.int, 30)
STAFF_QUEUE_PAGE_SIZES = (25, 50, 100)
# Staff MFA (staff/mfa.py): TOTP with django-otp. Its per-device throttling stays at the default (each
# wrong code doubles the wait before the next try).
OTP_TOTP_ISSUER = "RakuNest Privacy"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin lists and deletes devices; it never shows a key or QR code
STAFF_RECOVERY_CODES = 10
RECORDS_RETENTION_MONTHS = _parsed("RECORDS_RETENTION_MONTHS", env.int, 24)  # Regs §7101(a)
APPEAL_WINDOW_DAYS = 45
APPEAL_RESPONSE_DAYS = 60  # Va. Code §59.1-577(C); Colo. §6-1-1306(3); Conn. §42-518(d)

# --- REST API (api/): bearer tokens, JSON only, the OpenAPI 3.1 schema ---------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RakuNest privacy requests API",
    "DESCRIPTION": "Staff tools and other intake channels. Bearer tokens; personal data only for roles that may see it.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "requests_app.models.Kind",
        "RegimeEnum": "requests_app.regimes.Regime",
    },
}
# Webhooks (api/webhooks.py): how long one delivery may take, and how far ahead "due soon" looks.
API_WEBHOOK_TIMEOUT_SECONDS = _parsed("API_WEBHOOK_TIMEOUT_SECONDS", env.int, 10)
API_WEBHOOK_DUE_SOON_DAYS = 7

# --- Periodic work (Celery beat), by pinned task name ------------------------------------------
# Sweepers re-enqueue work whose message was lost; the others are the rules' own clocks.
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-requests": {"task": "requests.intake.sweep", "schedule": timedelta(minutes=5)},
    "verification-sweep": {"task": "requests.verify.sweep", "schedule": timedelta(minutes=5)},
    "choice-response-sweep": {"task": "requests.optout.sweep", "schedule": timedelta(minutes=5)},
    "deletion-sweep": {"task": "requests.deletion.sweep", "schedule": timedelta(minutes=5)},
    "agent-confirmations-expire": {"task": "requests.agents.sweep", "schedule": timedelta(minutes=15)},
    "drp-seen-messages-purge": {"task": "requests.drp.purge", "schedule": timedelta(hours=1)},
    "processor-notice-reminders": {
        "task": "requests.processors.reminders",
        "schedule": timedelta(minutes=30),
    },
    "system-runs-sweep": {"task": "requests.systems.sweep", "schedule": timedelta(minutes=5)},
    "system-owner-reminders": {"task": "requests.systems.owner_reminders", "schedule": timedelta(hours=1)},
    "purge-expired-reports": {"task": "requests.reports.purge_expired", "schedule": timedelta(hours=1)},
    "staff-deadline-reminders": {"task": "staff.reminders.send", "schedule": crontab(hour=7, minute=0)},
    "outbox-drain": {"task": "requests.outbox.drain", "schedule": timedelta(minutes=1)},
    "api-webhooks-due-soon": {"task": "api.webhooks.due_soon", "schedule": crontab(hour=6, minute=30)},
    "staff-purge-expired-records": {
        "task": "staff.records.purge_expired",
        "schedule": crontab(hour=3, minute=30),
    },
    # Data past its system's retention statement (records/retention.py).
    "staff-expire-data-points": {
        "task": "staff.records.expire_points",
        "schedule": crontab(hour=3, minute=45),
    },
}

# --- Logging: never personal data; request references at most ---------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "faker": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},  # its INFO level logs every page laid out
        "pikepdf": {"level": "WARNING"},  # announces its logging bridge at every start
    },
}
