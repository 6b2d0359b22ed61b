"""Django settings, read from the environment (documented in docs/settings.md).

Per-center policy (hours, retention, service-level targets) lives in the database,
never here.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from madoguchi.config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("MADOGUCHI_VAR_DIR", str(PROJECT_DIR / "var")))

DEBUG = env_bool("MADOGUCHI_DEBUG", False)
# Development and tests run with MADOGUCHI_ENV=development (the default for `make run`
# and `make test`); production refuses to start without a real SECRET_KEY.
ENVIRONMENT = env_str("MADOGUCHI_ENV", "production")
if ENVIRONMENT not in {"production", "development", "test"}:
    raise ImproperlyConfigured("MADOGUCHI_ENV must be production, development or test")
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if ENVIRONMENT == "production":
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production refuses to start without it "
            "(set MADOGUCHI_ENV=development for a local demo)."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "madoguchi.tenancy",
    "madoguchi.accounts",
    "madoguchi.audit",
    "madoguchi.calls",
    "madoguchi.interactions",
    "madoguchi.knowledge",
    "madoguchi.reservations",
    "madoguchi.inbox",
    "madoguchi.reports",
    "madoguchi.workforce",
    "madoguchi.console",
    "madoguchi.publicsite",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "madoguchi.console.middleware.ConsoleJapaneseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "madoguchi.audit.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = env_str("MADOGUCHI_URLCONF", "madoguchi.config.urls")

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
                "madoguchi.console.context_processors.console",
            ],
        },
    },
]

ASGI_APPLICATION = "madoguchi.config.asgi.application"
WSGI_APPLICATION = "madoguchi.config.wsgi.application"

VAR_DIR.mkdir(parents=True, exist_ok=True)
# Surge isolation (RSV-7, REL-3; docs/deployment.md): citizen pages and staff screens run
# in separate process pools, each with its own bounded database connections, so a public
# flood can hold at most the public pool's connections and never starve the operators.
PROCESS_KIND = env_str("MADOGUCHI_PROCESS_KIND", "all")
_PROCESS_DEFAULTS = {
    # kind: (pool max size per process, statement timeout in ms; 0 = none)
    "all": (0, 0),
    # public: one connection per WSGI thread (config/asgi_public.py, 8 threads)
    "public": (8, 2000),
    "staff": (4, 30000),
}
if PROCESS_KIND not in _PROCESS_DEFAULTS:
    raise ImproperlyConfigured("MADOGUCHI_PROCESS_KIND must be all, public or staff")
if ROOT_URLCONF == "madoguchi.config.urls_public":
    # The citizen URLconf has no console and no staff log-in: the staff log-in lockout
    # (axes), the two-factor state (OTP) and the console's language rule would only cost
    # every citizen request its time (measured in make bench-booking, docs/bookings.md).
    MIDDLEWARE = [
        name
        for name in MIDDLEWARE
        if name
        not in {
            "madoguchi.console.middleware.ConsoleJapaneseMiddleware",
            "django_otp.middleware.OTPMiddleware",
            "axes.middleware.AxesMiddleware",
        }
    ]
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'madoguchi.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _pool_max = env_int("DATABASE_POOL_MAX_SIZE", _PROCESS_DEFAULTS[PROCESS_KIND][0], minimum=0)
    _statement_ms = env_int(
        "DATABASE_STATEMENT_TIMEOUT_MS", _PROCESS_DEFAULTS[PROCESS_KIND][1], minimum=0
    )
    _pg_options: dict[str, object] = dict(DATABASES["default"].get("OPTIONS", {}))
    if _pool_max:
        # psycopg's pool: at most _pool_max connections per process; a request waits up
        # to DATABASE_POOL_TIMEOUT seconds for one, then fails (the public views turn
        # that into a friendly 503). Pooling replaces persistent connections.
        _pg_options["pool"] = {
            "min_size": min(env_int("DATABASE_POOL_MIN_SIZE", 1, minimum=0), _pool_max),
            "max_size": _pool_max,
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 5, minimum=1),
        }
        DATABASES["default"]["CONN_MAX_AGE"] = 0
    if _statement_ms:
        _pg_options["options"] = f"-c statement_timeout={_statement_ms}"
    # Django leaves psycopg's prepared statements off (None). The booking hot path
    # (reservations/sql.py) asks for them explicitly (prepare=True); with this threshold
    # nothing else is prepared (the ORM binds on the client and is never prepared).
    # Prepared statements live per connection, so no transaction-pooling proxy
    # (pgbouncer) may sit in between (docs/deployment.md).
    _pg_options.setdefault("prepare_threshold", 1_000_000)
    DATABASES["default"]["OPTIONS"] = _pg_options
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"

# Lockout after repeated failures (SEC-1): per user name and address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "console/locked_out.html"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE = env_bool("MADOGUCHI_SECURE", ENVIRONMENT == "production")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "ja"
LANGUAGES = [
    # Each language is named in itself: the switcher must be readable by its reader.
    ("ja", "日本語"),
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("ko", "한국어"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# An expired form on a citizen page gets a friendly, translated page, never a bare 403.
CSRF_FAILURE_VIEW = "madoguchi.publicsite.views.csrf_failure"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# Uploaded files (announcement audio): streamed by the console, never served publicly.
MEDIA_ROOT = VAR_DIR / "media"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Public booking pages (reservations/admission.py, reservations/throttle.py): the default
# waiting room of a center (editable per center) and the citizen log-in throttle.
ADMISSION_RATE_PER_MINUTE = env_int("MADOGUCHI_ADMISSION_RATE_PER_MINUTE", 600, minimum=1)
ADMISSION_SESSION_MINUTES = env_int("MADOGUCHI_ADMISSION_SESSION_MINUTES", 20, minimum=1)
BOOKING_LOGIN_COUPON_LIMIT = env_int("MADOGUCHI_BOOKING_LOGIN_COUPON_LIMIT", 5, minimum=1)
BOOKING_LOGIN_IP_LIMIT = env_int("MADOGUCHI_BOOKING_LOGIN_IP_LIMIT", 30, minimum=1)
BOOKING_LOGIN_WINDOW_MINUTES = env_int("MADOGUCHI_BOOKING_LOGIN_WINDOW_MINUTES", 15, minimum=1)
# Booking audit events are chained after commit by the request (0) or by a per-process
# thread at most once per N seconds (public processes; reservations/audit_outbox.py).
RESERVATIONS_AUDIT_FLUSH_SECONDS = env_int(
    "MADOGUCHI_RESERVATIONS_AUDIT_FLUSH_SECONDS", 1 if PROCESS_KIND == "public" else 0, minimum=0
)
# PostgreSQL bookings outside a transaction are written together (group commit,
# reservations/sql.py BookingCombiner): at most LEADERS statements at a time per process,
# each with at most BATCH bookings; LEADERS 0 writes one statement per booking.
RESERVATIONS_BOOKING_LEADERS = env_int("MADOGUCHI_RESERVATIONS_BOOKING_LEADERS", 2, minimum=0)
RESERVATIONS_BOOKING_BATCH = env_int("MADOGUCHI_RESERVATIONS_BOOKING_BATCH", 32, minimum=1)

# Audit log retention (SEC-2): at least three months.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 400, minimum=92)

# Call recordings (TEL-6): root of the local recordings storage (calls/storage.py).
RECORDINGS_DIR = Path(env_str("MADOGUCHI_RECORDINGS_DIR", str(VAR_DIR / "recordings")))
# "local" (RECORDINGS_DIR) or "s3" (an S3-compatible bucket). S3 credentials come from the
# standard AWS environment variables or the instance role, never from these settings;
# the values are checked when the storage is first used.
RECORDINGS_STORAGE = env_str("MADOGUCHI_RECORDINGS_STORAGE", "local")
RECORDINGS_S3_ENDPOINT_URL = env_str("MADOGUCHI_RECORDINGS_S3_ENDPOINT_URL", "")  # empty: AWS
RECORDINGS_S3_BUCKET = env_str("MADOGUCHI_RECORDINGS_S3_BUCKET", "")
RECORDINGS_S3_PREFIX = env_str("MADOGUCHI_RECORDINGS_S3_PREFIX", "")
RECORDINGS_S3_REGION = env_str("MADOGUCHI_RECORDINGS_S3_REGION", "")
RECORDINGS_S3_SSE = env_bool("MADOGUCHI_RECORDINGS_S3_SSE", True)

# Outgoing mail (inbox acknowledgements and replies): an SMTP relay of the city.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "madoguchi@localhost")
# Absolute base of links in e-mails (survey links): the public site's address.
MADOGUCHI_PUBLIC_URL = env_str("MADOGUCHI_PUBLIC_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
WHITENOISE_USE_FINDERS = ENVIRONMENT != "production"
