"""Trekkportal settings: one file, driven by the environment, runs with no configuration.

With nothing set it runs for development: SQLite under var/, files under var/media,
e-mail to the console, DEBUG on and a development secret key that the pages warn about.
Production is selected by the environment variables listed in README.md ("Configuration";
the names are a contract); missing production configuration is reported by system checks
(trekkportal/portal/checks.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.utils.translation import gettext_lazy as _

# templates/, static/ and locale/: in a checkout the repository's; installed from a wheel
# (`pip install`), the copy the build put inside the package (setup.py).
_PACKAGE_DIR = Path(__file__).resolve().parent
INSTALLED_AS_PACKAGE = (_PACKAGE_DIR / "_resources").is_dir()
BASE_DIR = _PACKAGE_DIR / "_resources" if INSTALLED_AS_PACKAGE else _PACKAGE_DIR.parent
# Data (SQLite, files, collected static): var/ in the checkout; for an installed package,
# var/ in the working directory unless TREKKPORTAL_VAR_DIR says where.
VAR_DIR = Path(
    os.environ.get(
        "TREKKPORTAL_VAR_DIR", (Path.cwd() if INSTALLED_AS_PACKAGE else BASE_DIR) / "var"
    )
)

env = environ.Env()

DEVELOPMENT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
# National identity numbers at rest (trekkportal.lib.nincrypt): "id:base64key,..." with the
# current key first, and the keyed-hash key. Unset: derived from SECRET_KEY (development).
NIN_ENCRYPTION_KEYS = env.str("NIN_ENCRYPTION_KEYS", default="")
NIN_INDEX_KEY = env.str("NIN_INDEX_KEY", default="")
DEBUG = env.bool("DEBUG", default=True)
TESTING = False  # set by the test configuration (conftest.py)

SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
_site = urlsplit(SITE_URL)
SITE_IS_HTTPS = _site.scheme == "https"
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[_site.hostname or "localhost", "localhost", "127.0.0.1", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

UNION_NAME = env.str("UNION_NAME", default="Industri Energi")
UNION_CONTACT_EMAIL = env.str("UNION_CONTACT_EMAIL", default="trekk@example.org")
# The union's contact details (letterhead of generated letters; lines of UNION_ADDRESS and
# LETTER_SIGNATURE are separated by "|" or new lines).
UNION_ADDRESS = env.str("UNION_ADDRESS", default="")
UNION_PHONE = env.str("UNION_PHONE", default="")
UNION_EMAIL = env.str("UNION_EMAIL", default=UNION_CONTACT_EMAIL)
LETTER_SIGNATURE = env.str("LETTER_SIGNATURE", default="")  # default: "Med vennlig hilsen" + name

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "trekkportal.accounts",
    "trekkportal.audit",
    "trekkportal.portal",
    "trekkportal.jobs",
    "trekkportal.mail",
    "trekkportal.submissions",
    "trekkportal.members",
    "trekkportal.reconciliation",
    "trekkportal.letters",
    "trekkportal.backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above WhiteNoise and everything that may answer early (a disallowed Host's 400, the
    # idle-timeout redirect): static files and refusals carry CSP and X-Frame-Options too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "trekkportal.portal.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which reads the body: an oversized upload is refused unread.
    "trekkportal.portal.body_limit.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "trekkportal.portal.i18n.PortalLocaleMiddleware",  # after auth: uses user.language
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "trekkportal.accounts.middleware.SessionTimeoutMiddleware",
    "trekkportal.accounts.middleware.NdaRequiredMiddleware",
    "trekkportal.portal.middleware.PortalNotFoundMiddleware",
]

ROOT_URLCONF = "trekkportal.urls"
WSGI_APPLICATION = "trekkportal.wsgi.application"

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
                "trekkportal.portal.context_processors.portal",
            ],
        },
    },
]

# Database -----------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets readers work while one writer writes; IMMEDIATE takes the write
            # lock at the start of a transaction so two writers wait instead of failing.
            # A 32 MB page cache (SQLite's default is 2 MB): storing a 100,000-line list
            # inserts into the lines' keyed-hash index in random order, and re-reads
            # index pages from the file with the small one (about a quarter of the insert).
            # Memory is taken only as pages are used.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-32768;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: shared by every process, because rate limits must hold across workers ---------
_cache_url = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")


def cache_config(url: str) -> dict:
    """``env.cache_url_config``, except that ``?key_prefix=`` and ``?timeout=`` are kept:
    django-environ 0.14 lower-cases them for Django's Redis backend, which then ignores
    them (so processes meant to be separated by a key prefix would share rate limits)."""
    config = env.cache_url_config(url)
    for key in ("key_prefix", "timeout", "version", "key_function"):
        if key in config:
            config[key.upper()] = config.pop(key)
    return config


if _cache_url:
    CACHES = {"default": cache_config(_cache_url)}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "trekkportal_cache",
        }
    }

# Sessions live in the database (never signed cookies: one-time codes live there) --------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
if _cache_url:
    # With a shared cache (Redis) sessions are read from it and still written to the
    # database, so a Redis restart logs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 60 * 60  # absolute timeout, enforced by accounts middleware too
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
# The page warns this long before the idle timeout, with a choice to stay logged in.
SESSION_WARNING_SECONDS = env.int("SESSION_WARNING_SECONDS", default=5 * 60)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "trekkportal.portal.errors.csrf_failure"  # our page, in Norwegian

# Users and passwords ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "trekkportal.accounts.hashers.Argon2idPasswordHasher",  # OWASP's parameters, see there
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_MIN_LENGTH = 12
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "trekkportal.accounts.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "trekkportal.accounts.password_validation.EmailLocalPartValidator"},
]

# Login, activation and password reset (django-allauth; issue "Accounts") ----------------
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
ACCOUNT_ADAPTER = "trekkportal.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"  # addresses are registered by the union, not by users
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # never mail an address nobody registered
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT = 10 * 60
ACCOUNT_PASSWORD_RESET_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "10/m/ip,3/10m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Trekkportal")
# One-time codes are sent on a background thread so known and unknown addresses are answered
# equally fast; the tests send them in the request to read them from the outbox at once.
CODE_EMAIL_IN_BACKGROUND = env.bool("CODE_EMAIL_IN_BACKGROUND", default=True)

# Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language choice is a cookie like the others: not readable by scripts, not sent
# cross-site, and only over HTTPS when the portal is served over HTTPS.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SITE_IS_HTTPS
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

# Files ---------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Never served: no URL route exists for it; downloads go through views that check access.
# (Django requires a value; only its test live server would map it.)
MEDIA_URL = "/_not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}


def s3_storage(*, bucket: str, endpoint_url=None, access_key=None, secret_key=None, region=None):
    """S3-compatible object storage for the files (django-storages): private objects,
    signed URLs only, never overwriting an existing name."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "access_key": access_key,
            "secret_key": secret_key,
            "region_name": region,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }


if env.str("S3_BUCKET", default=""):
    STORAGES["default"] = s3_storage(
        bucket=env.str("S3_BUCKET"),
        endpoint_url=env.str("S3_ENDPOINT_URL", default=None),
        access_key=env.str("S3_ACCESS_KEY_ID", default=None),
        secret_key=env.str("S3_SECRET_ACCESS_KEY", default=None),
        region=env.str("S3_REGION", default=None),
    )
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# E-mail ---------------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Trekkportal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SITE_IS_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
# Load balancers probe /healthz over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Proxies in front that each append the client's address to X-Forwarded-For (1 behind the
# nginx of deploy/, which sets it). Rate limits per IP and the audit trail use that entry;
# with 0 (no proxy) they use the connecting address and ignore the header.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Logging: UTC timestamps, one line per event (newlines escaped by the formatter) -----------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {
            "()": "trekkportal.audit.logging.OneLineUTCFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "INFO"},
    },
}

# Domain settings --------------------------------------------------------------------------------
SUBMISSION_DEADLINE_DAY = env.int("SUBMISSION_DEADLINE_DAY", default=15)
RETENTION_YEARS = env.int("RETENTION_YEARS", default=5)

# Background jobs and e-mail delivery (trekkportal/jobs, trekkportal/mail) ----------------------
JOBS_LEASE_SECONDS = env.float("JOBS_LEASE_SECONDS", default=60)  # a dead worker's job waits this
JOBS_BACKOFF_SECONDS = env.float("JOBS_BACKOFF_SECONDS", default=30)  # 30 s, 1 min, 2 min, ...
JOBS_BACKOFF_MAX_SECONDS = env.float("JOBS_BACKOFF_MAX_SECONDS", default=3600)
WORKER_SHUTDOWN_GRACE = env.int("WORKER_SHUTDOWN_GRACE", default=20)  # then the job is released
JOBS_TIMEOUT_SECONDS = env.int("JOBS_TIMEOUT_SECONDS", default=900)  # per job unless @job(timeout=)
JOB_SCHEDULE = env.dict("JOB_SCHEDULE", default={})  # e.g. "reminders=07:00,prune_jobs=03:30"
# /healthz fails when the oldest due job has waited longer than this (no worker running).
HEALTH_MAX_QUEUE_LAG_SECONDS = env.int("HEALTH_MAX_QUEUE_LAG_SECONDS", default=300)
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=10)  # ~3 h of retries, then "failed"

# Submissions (issue "Innsending"): accepted files and size limits, in bytes.
SUBMISSION_ACCEPT_PDF = env.bool("SUBMISSION_ACCEPT_PDF", default=True)
SUBMISSION_MAX_FILE_SIZE = env.int("SUBMISSION_MAX_FILE_SIZE", default=20 * 1024 * 1024)
SUBMISSION_MAX_TOTAL_SIZE = env.int("SUBMISSION_MAX_TOTAL_SIZE", default=50 * 1024 * 1024)
SUBMISSION_MAX_FILES = env.int("SUBMISSION_MAX_FILES", default=20)
# Orphan files (written, but no row: a crash mid-submission) older than this are swept.
SUBMISSION_ORPHAN_MINUTES = env.int("SUBMISSION_ORPHAN_MINUTES", default=60)
