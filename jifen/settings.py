"""Settings for every deployment, read from environment variables.

The embedded default (no variables set) is SQLite in WAL mode under ``JIFEN_DATA_DIR``
(``./data``). Production sets ``DATABASE_URL`` (PostgreSQL), ``SECRET_KEY``,
``ALLOWED_HOSTS`` and ``JIFEN_HTTPS=1``; see README.md.
"""

import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from jifen.core.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("JIFEN_DATA_DIR", str(Path.cwd() / "data"))).resolve()


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data folder."""
    configured = env_str("SECRET_KEY")
    if configured:
        return configured
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "treebeard",
    "ninja",  # serves the API docs page from local static files, not a CDN
    "axes",
    "huey.contrib.djhuey",
    "jifen.core",
    "jifen.accounts",
    "jifen.accounts.sso",
    "jifen.org",
    "jifen.ledger",
    "jifen.catalog",
    "jifen.learning.attendance",
    "jifen.learning.study",
    "jifen.learning.exams",
    "jifen.learning.work",
    "jifen.learning.integrity",
    "jifen.rules",
    "jifen.rewards",
    "jifen.recognition",
    "jifen.tracking.instruments",
    "jifen.tracking.followup",
    "jifen.tracking.growth",
    "jifen.tracking.supervision",
    "jifen.tracking.reports",
    "jifen.notify",
    "jifen.reports.dashboards",
    "jifen.reports.exports",
    "jifen.imports",
    "jifen.api",
    "jifen.xapi",
    "auditlog",
    "jifen.audit",
    "jifen.ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jifen.audit.middleware.AuditMiddleware",  # who changed the configuration (jifen.audit)
    "jifen.accounts.middleware.LanguageMiddleware",
    "jifen.api.middleware.ApiMiddleware",  # /api/v1/: Accept-Language, problem+json for 404 and 405
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy header (CONTENT_SECURITY_POLICY below)
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jifen.urls"
WSGI_APPLICATION = "jifen.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jifen.core.context_processors.shell",
            ],
        },
    },
]

# Database: SQLite (WAL) under the data folder unless DATABASE_URL says otherwise.
_default_db = f"sqlite:///{DATA_DIR / 'jifen.sqlite3'}"
# An empty DATABASE_URL (as an env file may leave it) means the default, like an unset one.
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL") or _default_db, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on busy_timeout instead of failing mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATA_DIR.mkdir(parents=True, exist_ok=True)
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (shared by several processes), else per-process memory.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "jifen.accounts.backends.EmployeeNoOrEmailBackend",
    "jifen.accounts.backends.RolePermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-on: OpenID Connect (OIDC_RP_CLIENT_ID, OIDC_OP_DISCOVERY, ...) and LDAP (LDAP_SERVER_URI, ...), each off
# until its variables are set; see README "Sign-on (OIDC / LDAP)" and jifen/accounts/sso/conf.py.
from jifen.accounts.sso.conf import sign_on_settings  # noqa: E402

globals().update(sign_on_settings(AUTHENTICATION_BACKENDS))
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Brute-force lockout: 5 failures for one login name from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "jifen.accounts.backends.lockout_username"  # number and e-mail: one count
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0)

# Sessions and cookies. JIFEN_HTTPS=1 in production turns on every transport protection.
HTTPS = env_bool("JIFEN_HTTPS", False)
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content Security Policy (django-csp): scripts only from our own static files (no inline scripts, no eval:
# htmx's allowEval is off in base.html); inline styles stay allowed (templates and ECharts set style="").
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Language and time.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# Static files are served by the app itself (WhiteNoise): intranets have no CDN.
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_MB", 20) * 1024 * 1024
# Bulk imports (jifen.imports): a file of more rows than this is committed by the background worker.
IMPORTS_BACKGROUND_ROWS = env_int("IMPORTS_BACKGROUND_ROWS", 2000)

# Learning: how the box-ticking defences and make-up study behave (each also an environment variable).
JIFEN_MAKEUP_EARNS_ATTENDANCE = env_bool("JIFEN_MAKEUP_EARNS_ATTENDANCE", False)
JIFEN_SHARED_DEVICE_PEOPLE = env_int("JIFEN_SHARED_DEVICE_PEOPLE", 3)
JIFEN_QUIZ_MIN_SECONDS_PER_QUESTION = env_int("JIFEN_QUIZ_MIN_SECONDS_PER_QUESTION", 2)
JIFEN_QUIZ_GRACE_SECONDS = env_int("JIFEN_QUIZ_GRACE_SECONDS", 30)
JIFEN_STUDY_HEARTBEAT_CAP_SECONDS = env_int("JIFEN_STUDY_HEARTBEAT_CAP_SECONDS", 20)
JIFEN_STUDY_MAX_GAP_SECONDS = env_int("JIFEN_STUDY_MAX_GAP_SECONDS", 60)
# Leaderboards: while points keep arriving, ranks are counted again at most this often (the top of a board
# and everyone's own points are always live; a quiet board is exact).
JIFEN_BOARD_RANKS_SECONDS = env_int("JIFEN_BOARD_RANKS_SECONDS", 30)
# The credit policy, recognition settings and levels are cached this long (a change through the pages or the
# API is seen at once by the process that made it, and by all of them with REDIS_URL).
JIFEN_CONFIG_CACHE_SECONDS = env_int("JIFEN_CONFIG_CACHE_SECONDS", 60)
# REST API: calls per token in each window ("600/60" = 600 per 60 s; "0" turns the limit off).
JIFEN_API_RATE = env_str("JIFEN_API_RATE", "600/60")

# E-mail.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "jifen@localhost")
# Notifications go out by e-mail only once an SMTP server is configured (EMAIL_HOST), or JIFEN_EMAIL=1.
JIFEN_EMAIL = env_bool("JIFEN_EMAIL", bool(env_str("EMAIL_HOST")))
SERVER_EMAIL = DEFAULT_FROM_EMAIL

JIFEN_SITE_NAME = _("Jifen")
# The address people open Jifen at, for links in e-mails and chat messages.
JIFEN_SITE_URL = env_str("JIFEN_SITE_URL", "http://127.0.0.1:8000")

# Background jobs (huey): `jifen worker` runs them. SQLite storage under JIFEN_DATA_DIR by default (no
# extra server), Redis when REDIS_URL is set (several machines). JIFEN_JOBS_IMMEDIATE=1 runs each job
# in the request that queues it (tests, or a setup without a worker).
if not REDIS_URL:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
HUEY = {
    "name": "jifen",
    "huey_class": "huey.RedisHuey" if REDIS_URL else "huey.SqliteHuey",
    "immediate": env_bool("JIFEN_JOBS_IMMEDIATE", False),
    "utc": True,
    "connection": {"url": REDIS_URL} if REDIS_URL else {"filename": str(DATA_DIR / "huey.sqlite3")},
    "consumer": {"workers": env_int("JIFEN_WORKER_THREADS", 2), "worker_type": "thread", "periodic": True,
                 "check_worker_health": True},
}
PAGE_SIZE = 25

# xAPI Learning Record Store (/xapi/): the largest request body (statements with attachments), in bytes.
XAPI_MAX_BODY = env_int("XAPI_MAX_BODY", DATA_UPLOAD_MAX_MEMORY_SIZE)

# Audit log of configuration changes (jifen.audit, django-auditlog): the models are registered in
# jifen/audit/registry.py. Related objects are stored by name, so the log reads the same after they change.
AUDITLOG_USE_FK_STRING_REPRESENTATION = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"},
                "huey": {"level": "INFO", "propagate": False}},  # `jifen worker` logs huey itself
}
