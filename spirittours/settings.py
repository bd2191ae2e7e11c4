"""Settings for Spirit Tours, driven by environment variables.

Every external service has an embedded default so that `make run` works on a
machine with only Python: SQLite under var/, the in-memory channel layer, a
local-memory cache, a file-system Celery broker and the console email backend.
Production sets DATABASE_URL, REDIS_URL, CELERY_BROKER_URL and the email
provider; the README lists every variable.
"""

import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from spirittours.logs import logging_config, structlog_configure

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime state of the embedded default: SQLite file, broker folder, dev key.
VAR_DIR = Path(env.str("SPIRITTOURS_VAR_DIR", default=str(BASE_DIR / "var")))

# Off unless asked for: `make run` and the tests (spirittours/settings_test.py) turn it on.
DEBUG = env.bool("DEBUG", default=False)


def _secret_key() -> str:
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is False. For development, set DEBUG=true (make run does)."
        )
    # Development only: one random key per checkout, kept so sessions survive restarts.
    key_file = VAR_DIR / "dev_secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public base URL used in links sent by email and WhatsApp.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_celery_beat",
    "anymail",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "djstripe",
    "spirittours",
    "accounts",
    "notifications",
    "quotations",
    "bookings",
    "payments",
    "reports",
    "whatsapp_bot",
    "legacy",
]

MIDDLEWARE = [
    "spirittours.logs.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A login sets the language cookie to the user's preferred language (accounts/language.py).
    "accounts.language.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # What a viewer may not see answers 404 on every page, like a missing object.
    "spirittours.middleware.NotVisibleMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes requires: turns a locked-out login into accounts.throttling's page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "spirittours.urls"
WSGI_APPLICATION = "spirittours.wsgi.application"
ASGI_APPLICATION = "spirittours.asgi.application"

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
                "spirittours.context_processors.site_nav",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'spirittours.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # web, worker and beat share the file: wait for locks, write-ahead log,
    # and take the write lock at BEGIN so transactions never deadlock on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # 0: one connection per request, closed at its end. Under ASGI each request runs its sync
    # code on a thread of its own, so a persistent connection (CONN_MAX_AGE > 0) is left open by
    # every request until PostgreSQL refuses new clients; Django's docs say to disable them.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # DATABASE_POOL_SIZE > 0: a pool of that many connections per process (psycopg_pool), which
    # the request threads borrow and give back instead of connecting to PostgreSQL each time.
    # The web processes use one (Procfile); Celery's forked workers keep one connection each.
    DATABASE_POOL_SIZE = env.int("DATABASE_POOL_SIZE", default=0)
    if DATABASE_POOL_SIZE:
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # CONN_HEALTH_CHECKS: the pool checks each loan
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            # Opened whole: a pool that grows under load makes requests wait while it connects.
            "min_size": DATABASE_POOL_SIZE,
            "max_size": DATABASE_POOL_SIZE,
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=30),
            "max_idle": 60,
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and channel layer ---------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Deployments sharing one Redis database need a prefix each (as for the layer and broker).
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="spirittours"),
        }
    }
    # redis-py 8 reads with a 5 s socket timeout by default, the same as the core
    # layer's blocking BZPOPMIN: under load the read times out and the consumer dies
    # with 1011. A longer socket timeout keeps the blocking read alive.
    _redis_host = {"address": REDIS_URL, "socket_timeout": 30}
    # Redis pub/sub ignores the database number: deployments sharing one Redis need their own prefix.
    CHANNEL_LAYER_PREFIX = env.str("CHANNEL_LAYER_PREFIX", default="spirittours")
    if env.str("CHANNEL_LAYER", default="pubsub") == "core":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [_redis_host],
                    "prefix": CHANNEL_LAYER_PREFIX,
                    # Room events are also rows in the database; a dropped frame is
                    # replayed on reconnect, so a bounded buffer per socket is safe.
                    "capacity": env.int("CHANNEL_LAYER_CAPACITY", default=500),
                    "expiry": env.int("CHANNEL_LAYER_EXPIRY", default=30),
                },
            }
        }
    else:
        # One Redis PUBLISH per room event, fanned out inside each web process: see
        # docs/PERFORMANCE.md for why this is the default. Whatever is published while
        # a process is cut off from Redis is lost to it; once it is back, every socket
        # gets "layer.reconnected" and catches up from the database.
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "spirittours.channel_layers.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [_redis_host], "prefix": CHANNEL_LAYER_PREFIX, "on_reconnect": "layer.reconnected"},
            }
        }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Each room socket reads its room's latest sequence number this often and catches
# up if it is behind, so a quiet socket notices events the channel layer lost.
ROOM_HEARTBEAT_SECONDS = env.float("ROOM_HEARTBEAT_SECONDS", default=15)

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_WORKER_ENABLE_REMOTE_CONTROL = True
if CELERY_BROKER_URL == "filesystem://":
    # A broker that needs no server: messages are files under var/broker, shared
    # by the web, worker and beat processes of one machine.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Redis hands a task its worker never acknowledged (the worker died) to
        # another worker after this many seconds. Longer than any countdown we
        # schedule (email retries wait at most 60 s), so a task that is merely
        # waiting never runs twice; shorter than the outbox sweeper's 5 minutes.
        # Long waits are beat jobs that scan the database.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=120),
        # Look for such tasks every 10 s (kombu's default scans every 100 s).
        "unacked_restore_throttle": 1,
        # Every Redis key of the broker (queues, bindings, unacknowledged tasks,
        # control channels) starts with this: two deployments on one Redis
        # database never see each other's tasks. RabbitMQ: use a vhost each.
        "global_keyprefix": env.str("CELERY_BROKER_KEY_PREFIX", default="spirittours:"),
    }
# Our own queue names: a worker of another stack consuming Celery's default
# queue ("celery") never takes our tasks. Workers consume both (-Q in Procfile).
CELERY_TASK_DEFAULT_QUEUE = "spirittours.default"
CELERY_TASK_QUEUES = {
    name: {"exchange": name, "routing_key": name} for name in ("spirittours.default", "spirittours.email")
}
CELERY_TASK_ROUTES = {"notifications.tasks.*": {"queue": "spirittours.email"}}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Health -------------------------------------------------------------------
# /health/ checks every part (spirittours/health.py); /health/web/ only what a web
# process needs to serve pages, for its liveness probe.
HEALTH_CHECKS = {
    "database": "spirittours.health.Database",
    "cache": "spirittours.health.Cache",
    "broker": "spirittours.health.Broker",
    "worker": "spirittours.health.Worker",
    "channel_layer": "spirittours.health.ChannelLayer",
    "email_outbox": "notifications.health.EmailOutbox",
}
HEALTH_CHECKS_WEB = {name: HEALTH_CHECKS[name] for name in ("database", "cache", "channel_layer")}
# An email queued and untouched for longer than this fails the outbox check (the
# sweeper enqueues such rows again every 5 minutes); so does a backlog above the max.
HEALTH_EMAIL_OLDEST_QUEUED_SECONDS = env.int("HEALTH_EMAIL_OLDEST_QUEUED_SECONDS", default=900)
HEALTH_EMAIL_BACKLOG_MAX = env.int("HEALTH_EMAIL_BACKLOG_MAX", default=50_000)

# --- Email --------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# The ESP behind EMAIL_BACKEND ("anymail.backends.postmark.EmailBackend" -> "postmark"): only its
# tracking webhook answers (notifications/urls.py); "" when email goes through no ESP.
EMAIL_PROVIDER = EMAIL_BACKEND.split(".")[2] if EMAIL_BACKEND.startswith("anymail.backends.") else ""
# SMTP (when EMAIL_BACKEND is Django's SMTP backend): never wait forever on the network.
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=15)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Spirit Tours <reservas@spirittours.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = {
    key: value
    for key, value in {
        "SENDGRID_API_KEY": env.str("SENDGRID_API_KEY", default=""),
        "POSTMARK_SERVER_TOKEN": env.str("POSTMARK_SERVER_TOKEN", default=""),
        "MAILGUN_API_KEY": env.str("MAILGUN_API_KEY", default=""),
        "WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default=""),
    }.items()
    if value
}

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password reset links work this long, once (Django's default is three days).
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
# The outbox's entry point, for accounts (which may not import notifications): password reset emails.
ACCOUNTS_EMAIL_QUEUE = "notifications.services.email_queue"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    # First, as django-axes requires: refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes, accounts/throttling.py): after AXES_FAILURE_LIMIT wrong passwords
# for one email from one client address, that pair is refused for AXES_COOLOFF_MINUTES (0: until
# staff unlock it in the admin, "Access attempts").
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
_axes_cooloff_minutes = env.int("AXES_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=_axes_cooloff_minutes) if _axes_cooloff_minutes > 0 else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.throttling.login_username"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
# Reverse proxies in front of the web server that append the client's address to X-Forwarded-For.
# 0: the client is REMOTE_ADDR and X-Forwarded-For is ignored (a client could write anything there).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Builds `request.viewer` for pages behind spirittours.access: what the privacy rules know of a user.
VIEWER_FACTORY = "quotations.privacy.viewer_for"

# Staff below this permission level do not see hotel net rates' margins.
MARGIN_VISIBLE_FROM_LEVEL = env.int("MARGIN_VISIBLE_FROM_LEVEL", default=5)

# --- Bookings and payments ----------------------------------------------------
# The payment schedule of a new booking (bookings/money.py): a deposit of this percentage of the
# total, or this fixed amount per paying traveller (both set: see BOOKING_DEPOSIT_WHICHEVER_HIGHER),
# due this many days after approval; the balance due this many days before arrival.
BOOKING_DEPOSIT_PERCENT = env.str("BOOKING_DEPOSIT_PERCENT", default="30")
BOOKING_DEPOSIT_FIXED_PER_PERSON = env.str("BOOKING_DEPOSIT_FIXED_PER_PERSON", default="")
BOOKING_DEPOSIT_WHICHEVER_HIGHER = env.bool("BOOKING_DEPOSIT_WHICHEVER_HIGHER", default=False)
BOOKING_DEPOSIT_DUE_DAYS = env.int("BOOKING_DEPOSIT_DUE_DAYS", default=7)
BOOKING_BALANCE_DAYS_BEFORE = env.int("BOOKING_BALANCE_DAYS_BEFORE", default=60)
# Staff from this permission level may build a booking's payment schedule again (before any payment).
BOOKING_SCHEDULE_EDIT_FROM_LEVEL = env.int("BOOKING_SCHEDULE_EDIT_FROM_LEVEL", default=5)
# Payments between the deposit and the balance: (days before arrival, % of the total); none by default.
BOOKING_PROGRESS_PAYMENTS: list[tuple[int, str]] = []
# The cancellation policy of new bookings, shown on every quote: (days before arrival or more, % retained).
CANCELLATION_TIERS = [(60, "25"), (30, "80"), (0, "100")]
# The rooming list may be edited by the client until this many days before arrival.
BOOKING_ROOMING_CUTOFF_DAYS = env.int("BOOKING_ROOMING_CUTOFF_DAYS", default=21)
# The bank account clients pay by transfer into (the manual provider), shown on the booking page.
BANK_ACCOUNT_HOLDER = env.str("BANK_ACCOUNT_HOLDER", default="Spirit Tours S.L.")
BANK_ACCOUNT_IBAN = env.str("BANK_ACCOUNT_IBAN", default="ES91 2100 0418 4502 0005 1332")
BANK_ACCOUNT_BIC = env.str("BANK_ACCOUNT_BIC", default="CAIXESBBXXX")
BANK_NAME = env.str("BANK_NAME", default="CaixaBank")
# The company's address and tax id on receipts and credit notes, one line each.
COMPANY_ADDRESS_LINES = env.list(
    "COMPANY_ADDRESS_LINES", default=["Calle Sierpes 48, 41004 Sevilla, España", "CIF B-41234567"]
)

# --- Online payments ---------------------------------------------------------
# Each gateway is offered only when its keys are set (the README says where to get sandbox keys);
# without any, clients pay by bank transfer. Every call out has this timeout, in seconds.
PAYMENT_PROVIDER_TIMEOUT = env.float("PAYMENT_PROVIDER_TIMEOUT", default=10.0)
# A checkout left open this long is dropped: the next click starts a new one.
PAYMENT_CHECKOUT_MINUTES = env.int("PAYMENT_CHECKOUT_MINUTES", default=60)
# Gateway payments still pending after this long are reconciled by asking the provider.
PAYMENT_RECONCILE_AFTER_MINUTES = env.int("PAYMENT_RECONCILE_AFTER_MINUTES", default=30)

STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Fixes the webhook's address (/stripe/webhook/<uuid>/) across deployments; `manage.py
# stripe_webhook_endpoint` writes dj-stripe's endpoint row from these and prints the address.
STRIPE_WEBHOOK_UUID = env.str("STRIPE_WEBHOOK_UUID", default="6f1c3e2a-5b7d-4c1e-9a8f-2d4b6c8e0a13")
STRIPE_LIVE_MODE = env.bool("STRIPE_LIVE_MODE", default=False)
# Stripe's API address: empty for Stripe itself; stripe-mock or a local stand-in in tests.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
MERCADOPAGO_ACCESS_TOKEN = env.str("MERCADOPAGO_ACCESS_TOKEN", default="")
MERCADOPAGO_WEBHOOK_SECRET = env.str("MERCADOPAGO_WEBHOOK_SECRET", default="")
PAYU_API_KEY = env.str("PAYU_API_KEY", default="")
PAYU_API_LOGIN = env.str("PAYU_API_LOGIN", default="")
PAYU_MERCHANT_ID = env.str("PAYU_MERCHANT_ID", default="")
PAYU_ACCOUNT_ID = env.str("PAYU_ACCOUNT_ID", default="")
PAYU_SANDBOX = env.bool("PAYU_SANDBOX", default=True)
# The gateways' hosted pages our pay buttons lead to (the Content-Security-Policy's form-action).
_MERCADOPAGO_DOMAINS = ["com", "com.ar", "com.br", "cl", "com.mx", "com.uy", "com.co", "com.pe"]
PAYMENT_CHECKOUT_ORIGINS = env.list(
    "PAYMENT_CHECKOUT_ORIGINS",
    default=[
        "https://checkout.stripe.com",
        *(f"https://*.mercadopago.{domain}" for domain in _MERCADOPAGO_DOMAINS),
        "https://checkout.payulatam.com",
        "https://sandbox.checkout.payulatam.com",
    ],
)

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language cookie (set at login from the user's language, and by the switcher) outlives a
# browser restart, as the login session does; Django's default ends it with the browser.
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Madrid")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Spirit Tours API",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Security -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): scripts and styles only from our own static
# files, no inline code, no eval (htmx runs with allowEval off, see templates/base.html).
# 'self' covers same-host WebSockets in CSP level 3 browsers; SITE_URL's socket origin
# is also listed for browsers that predate it.
_site = urlsplit(SITE_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", f"{'wss' if _site.scheme == 'https' else 'ws'}://{_site.netloc}"],
        "frame-ancestors": ["'none'"],
        # The payer's browser goes on to the gateway's hosted page from our pay buttons.
        "form-action": ["'self'", *PAYMENT_CHECKOUT_ORIGINS],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if not DEBUG:
    # Behind a TLS-terminating proxy, set SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto.
    _proxy_header = env.str("SECURE_PROXY_SSL_HEADER", default="")
    if _proxy_header:
        SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# `make backup` / `make restore` (spirittours/backups.py) keep their files here.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(VAR_DIR / "backups")))

# --- Logs, metrics, error reports ---------------------------------------------
# One JSON object per line in production, with the request id (spirittours/logs.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
LOGGING = logging_config(level=env.str("LOG_LEVEL", default="INFO"), fmt=LOG_FORMAT)
structlog_configure()
# Celery's worker keeps the logging configured here instead of installing its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# /metrics (spirittours/metrics.py): a scraper sends `Authorization: Bearer <METRICS_TOKEN>`
# or comes from one of these networks (the direct peer); anyone else gets 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"] if DEBUG else [])
METRICS_COLLECTORS = [
    "quotations.metrics.quotation_metrics",
    "notifications.metrics.email_metrics",
    "payments.metrics.payment_metrics",
]

# Errors and slow transactions to Sentry when SENTRY_DSN is set; no personal data
# and no local variables (they would carry prices and names) leave the process.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        # Nothing about the people or the prices: no user, cookies, bodies, query strings,
        # SQL parameters or local variables (sentry-sdk 3 collects them unless told not to).
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "database_query_data": False,
            "stack_frame_variables": False,
        },
    )
