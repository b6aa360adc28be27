"""The one settings module. Everything that differs between machines comes from the environment.

With no environment at all it runs the embedded profile of `make run`: SQLite, local-memory
cache, Celery tasks executed eagerly, e-mail printed to the console.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# pytest imports its own module before Django loads settings; test-only apps hang on this.
TESTING = "pytest" in sys.modules

DEBUG = env.bool("DEBUG", default=False)
# The default key is only good for a laptop: `manage.py check --deploy` fails while it is in use
# with DEBUG off (core.checks), so production must set SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-only")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

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
    "simple_history",
    "django_celery_beat",
    "django_htmx",
    "axes",
    "core",
    "crm",
    "pricing",
    "sales",
    "delivery",
    "returns",
    "commissions",
]
if TESTING:
    # A small FSM model that exercises the generic machinery before the domain apps exist.
    INSTALLED_APPS.append("tests.testapp")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it sees every sign-in attempt's outcome (core.auth).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.shell",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads (runserver, eager tasks) write to one file: wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ar", _("Arabic"))]
FORMAT_MODULE_PATH = ["config.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Riyadh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
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

# The lock first: a locked (account, address) pair is refused before any password is checked.
AUTHENTICATION_BACKENDS = ["core.auth.LockoutBackend", "core.auth.Backend"]

# Sign-in guards (core.auth): django-axes counts failures per (account, client address) in the
# database, so every worker and every door (staff page, admin, API token) shares one count
# whether or not Redis is configured.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=30)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=60))
AXES_RESET_ON_SUCCESS = True
# Attempts refused during a lock are not counted: the lock ends LOGIN_LOCKOUT_MINUTES after the
# last real failure, so a locked-out owner knows when to come back.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "core.auth.client_address"
AXES_LOCKOUT_CALLABLE = "core.auth.lockout_response"
# Nothing reads a log of successful sign-ins, and it would grow without end.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # its start-up banner would precede every management command's output

SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG and not TESTING)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Trust X-Forwarded-Proto and X-Forwarded-For only behind a proxy that sets them; otherwise
# any client could claim HTTPS or dodge the login throttle with a forged address.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
if NUM_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS in production (README, "Deploying"): off by default so `make run` serves plain HTTP.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Strict-Transport-Security is sent only when SECURE_HSTS_SECONDS is above 0; the two flags
# below then apply (every subdomain must serve HTTPS before they are left on).
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Sent by core.middleware.ContentSecurityPolicyMiddleware. Scripts only from our own files:
# no inline <script> or on…= attribute anywhere (templates move theirs to static/js/), and
# the API docs use the Swagger view that loads its start-up script as a file. Styles allow
# 'unsafe-inline' because pages set style= attributes (progress bar widths, pre-line text)
# and htmx adds its indicator <style>; no script can run from a style. Images allow data:
# and blob: for pictures made in the page (a signature pad posts a data: URL).
CONTENT_SECURITY_POLICY = env("CONTENT_SECURITY_POLICY", default="; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]))
# Reverting from the admin's history pages would bypass the services' rules.
SIMPLE_HISTORY_REVERT_DISABLED = True

# E-mail: console unless EMAIL_URL says otherwise (smtp+tls://user:pass@host:587).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Sales ERP <no-reply@localhost>")
# The site's public address, for links in e-mails sent outside a request (the nightly quote
# reminders); `make run` serves http://127.0.0.1:8000.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "")

# API tokens (core.models.ApiToken) stop working this many days after they are issued; a
# password change revokes them all.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes a missing login a 401, not a 403.
        "core.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.RolePermission"],
    "DEFAULT_RENDERER_CLASSES": ["core.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "djangorestframework_camel_case.parser.CamelCaseFormParser",
        "djangorestframework_camel_case.parser.CamelCaseMultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["core.api.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"auth": env("AUTH_THROTTLE_RATE", default="30/minute")},
    "NUM_PROXIES": NUM_PROXIES,
    "COERCE_DECIMAL_TO_STRING": False,
    # date.isoformat(): four year digits always (strftime's %Y writes year 4 as "4").
    "DATE_FORMAT": "iso-8601",
    "URL_FORMAT_OVERRIDE": "format",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Sales ERP API",
    "DESCRIPTION": (
        "Lead to cash for firms selling in SAR with VAT, in English and Arabic. Every response "
        "uses the success or error envelope; JSON keys are camelCase."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
    ],
    "ENUM_NAME_OVERRIDES": {
        "DocumentTemplateEnum": "core.sales_settings.TEMPLATE",
        "PaymentTermsEnum": "core.choices.PaymentTerms",
        "LeadStatusEnum": "crm.choices.LeadStatus",
        "CampaignStatusEnum": "crm.choices.CampaignStatus",
        "CaseStatusEnum": "crm.choices.CaseStatus",
        "ConflictStatusEnum": "crm.choices.ConflictStatus",
        "PromoStatusEnum": "pricing.choices.PromoStatus",
        "QuoteStatusEnum": "sales.quotes.choices.QuoteStatus",
        "SalesOrderStatusEnum": "sales.orders.choices.SalesOrderStatus",
        "InvoiceStatusEnum": "sales.invoicing.choices.InvoiceStatus",
        "PaymentStatusEnum": "sales.invoicing.choices.PaymentStatus",
        "CreditNoteStatusEnum": "sales.invoicing.choices.CreditNoteStatus",
        "DownPaymentStatusEnum": "sales.down_payments.choices.DownPaymentStatus",
        "DeliveryNoteStatusEnum": "delivery.choices.DeliveryNoteStatus",
        "TrackingStatusEnum": "delivery.choices.TrackingStatus",
        "FailureReasonEnum": "delivery.choices.FailureReason",
        "PaymentMethodEnum": "sales.common.choices.PaymentMethod",
        "DocumentDiscountTypeEnum": "sales.common.choices.DiscountType",
        "RuleDiscountTypeEnum": "pricing.choices.DiscountType",
        "DocumentLanguageEnum": "core.pdf.LANGUAGES",
        "UserLanguageEnum": "config.settings.LANGUAGES",
    },
    # Swagger UI is vendored from npm like every other front-end asset: no CDN.
    "SWAGGER_UI_DIST": "/static/vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": "/static/img/favicon.svg",
}

# Celery: Redis when configured; otherwise tasks run inline so `make run` needs no services.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Declared here, synced into django-celery-beat's tables (admin: pause, inspect) when beat
# starts and by `manage.py sync_periodic_tasks`.
CELERY_BEAT_SCHEDULE = {
    "core-clear-expired-sessions": {
        "task": "core.tasks.sessions_clear_expired",
        "schedule": 24 * 60 * 60,
    },
    "crm-detect-stale-leads": {
        "task": "crm.tasks.leads_detect_stale",
        "schedule": 60 * 60,
    },
    # Daily, just after midnight in TIME_ZONE; each firm's quotes go by the firm's own date.
    "sales-quotes-expire-and-remind": {
        "task": "sales.tasks.quotes_expire_and_remind",
        "schedule": crontab(hour=0, minute=10),
    },
    "delivery-notes-flag-late": {
        "task": "delivery.tasks.delivery_notes_flag_late",
        "schedule": 60 * 60,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

DEMO_PASSWORD = env("DEMO_PASSWORD", default="demo-pass-2026")
