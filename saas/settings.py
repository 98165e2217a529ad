"""Django settings. Everything that differs between machines comes from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from saas.services_config import CACHE, CELERY, CHANNELS, database_settings, redis_url, service_urls

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = Path(os.environ.get("SAAS_DATA_DIR", BASE_DIR / ".local"))


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    # Development and demo: one random key per checkout, kept so sessions survive restarts.
    path = LOCAL_DIR / "secret_key"
    if not path.exists():
        LOCAL_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("SAAS_DEBUG", "0") == "1"
BASE_DOMAIN = os.environ.get("BASE_DOMAIN", "localhost")
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", "127.0.0.1"]
CSRF_TRUSTED_ORIGINS = [f"http://*.{BASE_DOMAIN}:8000", f"https://*.{BASE_DOMAIN}"]

DATABASE_URL, REDIS_URL = service_urls()
# Added to every Redis database number below; the tests use 8 (see tests/settings.py).
REDIS_DB_OFFSET = int(os.environ.get("SAAS_REDIS_DB_OFFSET", "0"))

# --- Tenancy: one PostgreSQL schema per client enterprise -------------------------------------------
SHARED_APPS = [
    "django_tenants",
    "saas",  # project-wide commands: seed_demo, bench
    "tenants",
    "saas.accounts",
    "saas.audit",
    "saas.holidays",
    "compliance",
    "billing",
    "frontend",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "django_celery_beat",
]
# Each tenant schema has its own users, sessions and API tokens: a login or a token is only ever
# valid on the host it was made on.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "saas.accounts",
    "saas.seats",
    "saas.agents",
    "saas.queues",
    "saas.calendars",
    "saas.numbers",
    "saas.acd",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Client"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New tenants are cloned from this schema, kept migrated by `saas migrate_fleet`.
TENANT_BASE_SCHEMA = "tenant_template"
# `SET search_path` once per tenant switch, not before every query: half the ACD's queries were these.
# Safe here: this django-tenants forgets the setting on rollback, which undoes a SET.
TENANT_LIMIT_SET_CALLS = True
TENANT_CREATION_FAKES_MIGRATIONS = True
PUBLIC_SCHEMA_URLCONF = "saas.urls_platform"
ROOT_URLCONF = "saas.urls_tenant"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

DATABASES = {"default": database_settings(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

MIDDLEWARE = [
    "tenants.middleware.TenantMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "saas.language.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context.navigation",
            ],
        },
    },
]

ASGI_APPLICATION = "saas.asgi.application"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:home"
LOGOUT_REDIRECT_URL = "frontend:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "24"))
LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60

# --- Language and time --------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "saas" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = LOCAL_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns at every start without it
WHITENOISE_USE_FINDERS = True
# WhiteNoise indexes files at start-up; in debug it re-reads them so edited CSS shows without a restart.
WHITENOISE_AUTOREFRESH = DEBUG

# --- Redis: cache, channel layer, Celery ---------------------------------------------------------------
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": redis_url(REDIS_URL, REDIS_DB_OFFSET + CACHE),
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # redis-py 8 caps a pool at 100 connections and reads with a 5 s timeout, which races
            # channels-redis' own 5 s blocking pop: under load consumers died of either. No client
            # timeout: the pop's own, on the server, ends every wait (a finite one here made event loops
            # hang at shutdown, cancelling a read).
            "hosts": [{"address": redis_url(REDIS_URL, REDIS_DB_OFFSET + CHANNELS), "max_connections": 10_000,
                       "socket_timeout": None}],
            # A consumer that falls behind for a moment must not lose the gateway commands sent to it:
            # past its channel's capacity channels-redis drops group messages without a word.
            "capacity": 1_000,
        },
    }
}
CELERY_BROKER_URL = redis_url(REDIS_URL, REDIS_DB_OFFSET + CELERY, for_celery=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "requeue-stalled-provisioning": {"task": "tenants.tasks.requeue_stalled_provisioning", "schedule": 60.0},
    # Asia/Shanghai (CELERY_TIMEZONE): after the day's changes, before staff arrive.
    "compliance-nightly-audit": {"task": "compliance.tasks.nightly_audit", "schedule": crontab(hour=2, minute=30)},
    # The 1st at 02:00 Shanghai time: last month's seat invoices, drafted for finance to check and finalize.
    "billing-monthly-invoice-run": {"task": "billing.tasks.monthly_invoice_run",
                                    "schedule": crontab(day_of_month=1, hour=2, minute=0)},
    # A push lost to a broker outage is retried here (nothing to do while Stripe is off).
    "billing-push-pending-to-stripe": {"task": "billing.tasks.push_pending_to_stripe", "schedule": 15 * 60.0},
}

# --- API -------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "saas.accounts.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["saas.api.permissions.RolePermission"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "saas.api.pagination.Pagination",
    "EXCEPTION_HANDLER": "saas.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": _("Hosted call-centre platform API"),
    "DESCRIPTION": _(
        "Every path lives under /api/v1/ on the platform host and on each tenant host. "
        "Authenticate with POST /api/v1/auth/token/ and send `Authorization: Bearer <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set that several resources share (the compliance API): without these the
    # generator invents names for them and warns.
    "ENUM_NAME_OVERRIDES": {
        "ProvinceEnum": "compliance.api.fields.PROVINCE_CHOICES",
        "PlatformSiteStateEnum": "compliance.models.PlatformSite.State",
        "TopologyChangeStateEnum": "compliance.models.TopologyChange.State",
        "RunStateEnum": "compliance.models.AuditRun.State",  # invoice runs have the same states
        "NumberKindEnum": "compliance.numbers.NumberKind",
        "ResponsibleEntityKindEnum": "compliance.models.ResponsibleEntity.Kind",
        "RulePolicyEnum": "compliance.rules.registry.Policy",
        "SeatModeEnum": "billing.models.SeatMode",
        "InvoiceKindEnum": "billing.models.Invoice.Kind",
        "InvoiceStatusEnum": "billing.models.Invoice.Status",
        "ClientStatusEnum": "tenants.models.Client.Status",
        "InvoiceRunTriggerEnum": "billing.models.InvoiceRun.Trigger",
        "TelephonyEventTypeEnum": "saas.acd.telephony.TYPES",
        "TransferModeEnum": "saas.acd.api.TRANSFER_MODES",
        "HungUpByEnum": "saas.acd.models.Call.Side",
        "EventOutcomeEnum": "saas.acd.api.OUTCOMES",
    },
}

# --- Stripe ----------------------------------------------------------------------------------------------
# Off unless an API key is set: invoices are then pushed to Stripe and its webhook takes payments in
# (billing/stripe_sync.py). The webhook answers 404 while the key or the webhook secret is missing.
STRIPE_API_KEY = os.environ.get("STRIPE_API_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")  # whsec_… of the webhook endpoint
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "https://api.stripe.com")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "pgserver": {"level": "WARNING"}},
}
