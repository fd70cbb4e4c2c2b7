"""Recount Desk settings, read from the environment.

Every setting a deployment may change is an environment variable; the README lists them.
A bad value stops start-up with a message naming the variable.
"""

import importlib.util
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(name: str, default: int | None) -> int | None:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


ENVIRONMENT = env_str("DJANGO_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'development' or 'production'; got {ENVIRONMENT!r}.")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off when DJANGO_ENV is 'production'.")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_ENV is 'production'.")
    SECRET_KEY = "development-only-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "bootstrap",
    "django_tasks_db",
    "elections",
    "accounts",
    "recounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A body larger than its page takes is refused (413) before a byte of it is read; after the sign-in,
    # so that the refusal's page shows who is signed in.
    "config.middleware.RequestBodyLimitMiddleware",
    # request.user.is_verified(): whether this session passed the second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # Staff must pass a second factor (or set one up) before any other page; so must a candidate who turned it on.
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # An empty ?_to_field= would make the admin's change pages answer a server error.
    "config.middleware.EmptyToFieldMiddleware",
    "config.middleware.OversizedNumberMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

try:
    DATABASES = {
        "default": dj_database_url.config(
            env="DATABASE_URL",
            default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
            conn_max_age=60,
        )
    }
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Django can use: {error}") from error

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes first: it refuses a locked-out sign-in before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "recounts:start"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))

# Candidates' signed letters and staff's scans of paper requests: outside the web root, never served
# as static or media files; only views that check who asks hand them out.
PRIVATE_FILES_ROOT = Path(env_str("RECOUNT_PRIVATE_FILES", str(BASE_DIR / "private")))
LETTER_MAX_BYTES = 10 * 1024 * 1024
# Returns uploaded on the import page (a zip of the counties' files, or one file): kept in the same
# private store, beside the progress file of their import.
RETURNS_UPLOAD_MAX_BYTES = 200 * 1024 * 1024
# A request's fields other than files: at most 1 MB. A request's whole body is refused before it is
# read (config.middleware.RequestBodyLimitMiddleware, a 413 page) when it is larger than its fields
# and the largest file its page takes: a letter, or on the import page the returns.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# An uploaded file larger than this is written to a temporary file while the request is read.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# An uploaded PDF is read in a child process (recounts.pdf_inspection) with at most this address
# space and this many seconds (CPU and wall clock); a file that needs more is refused.
PDF_INSPECTION_MEMORY_BYTES = 512 * 1024 * 1024
PDF_INSPECTION_SECONDS = 1.5

# Where those files are kept (`recounts.storage`): "letters" (letters and scans, records of the case)
# and "imports" (uploaded returns and each import's progress file, saved over every half second, so
# that storage must save over a file). RECOUNT_FILE_STORAGE=disk (the default): PRIVATE_FILES_ROOT on
# this machine, for one server. RECOUNT_FILE_STORAGE=s3: a private S3-compatible bucket, for several
# web servers and workers (README, "Running on several machines"); needs django-storages[s3], which
# is not in requirements.txt. Its keys come from boto3's usual places (AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY, or the machine's role), never from these settings.
FILE_STORAGE = env_str("RECOUNT_FILE_STORAGE", "disk")
if FILE_STORAGE == "disk":
    _PRIVATE = "recounts.storage.PrivateFileStorage"
    _PRIVATE_STORAGES = {
        "letters": {"BACKEND": _PRIVATE},
        "imports": {"BACKEND": _PRIVATE, "OPTIONS": {"allow_overwrite": True}},
    }
elif FILE_STORAGE == "s3":
    _BUCKET = env_str("RECOUNT_S3_BUCKET", "")
    if not _BUCKET:
        raise ImproperlyConfigured("RECOUNT_S3_BUCKET is required when RECOUNT_FILE_STORAGE is 's3'.")
    if importlib.util.find_spec("storages") is None:
        raise ImproperlyConfigured(
            "RECOUNT_FILE_STORAGE is 's3' but django-storages is not installed: pip install 'django-storages[s3]'."
        )
    _S3 = {
        "bucket_name": _BUCKET,
        "location": env_str("RECOUNT_S3_PREFIX", "").strip("/"),
        "endpoint_url": env_str("RECOUNT_S3_ENDPOINT_URL", "") or None,
        "region_name": env_str("RECOUNT_S3_REGION", "") or None,
        # Private objects (the bucket's own policy), never a public-read ACL; no URL is ever handed out.
        "default_acl": None,
        "querystring_auth": True,
    }
    _PRIVATE_STORAGES = {
        # A letter is never saved over: a second file of the same name gets a name of its own.
        "letters": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_S3, "file_overwrite": False}},
        "imports": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**_S3, "file_overwrite": True}},
    }
else:
    raise ImproperlyConfigured(f"RECOUNT_FILE_STORAGE must be 'disk' or 's3'; got {FILE_STORAGE!r}.")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    **_PRIVATE_STORAGES,
}
# The append-only log of the audit chain's head at each certification and case decision
# (`recounts.anchors`): keep it where whoever can write to the database cannot (another machine's
# disk, a write-once bucket synced from it). Empty: `audit-anchors.jsonl` in PRIVATE_FILES_ROOT.
RECOUNT_AUDIT_ANCHOR_FILE = env_str("RECOUNT_AUDIT_ANCHOR_FILE", "")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Earlier versions are shown in the admin, never restored over the current one (see AttributedAdmin).
SIMPLE_HISTORY_REVERT_DISABLED = True

# Content Security Policy in every environment, so the tests and the browser journeys run under it:
# scripts and styles only from our own static files, no inline script, no plugins, no framing.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    # Bootstrap draws its own icons (a checked box's tick, a select's arrow, an invalid field's mark,
    # the phone menu's button) as SVG images in data: URIs from its stylesheet; an image cannot run
    # script, so data: images are allowed and nothing else is.
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

# HTTPS only in production: redirect, HSTS for a year (subdomains, preload list), cookies never sent
# over plain HTTP. Behind a proxy that ends TLS, DJANGO_BEHIND_PROXY trusts its X-Forwarded-Proto;
# only turn it on when the proxy always sets that header and strips it from clients.
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31_536_000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True

# A session ends after DJANGO_SESSION_IDLE_MINUTES without a request (each request renews it) and
# when the browser closes. A password change ends every other session (Django's session auth hash).
SESSION_IDLE_MINUTES = env_int("DJANGO_SESSION_IDLE_MINUTES", 30)
if SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured(f"DJANGO_SESSION_IDLE_MINUTES must be 1 or more; got {SESSION_IDLE_MINUTES}.")
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Sign-in throttling (django-axes): 5 failures for one username from one address lock that pair out
# for 30 minutes; a successful sign-in before then clears the count.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Links emailed on request (a candidate's invitation, the two-factor enrolment link): at most so many
# to one address, and so many asked for by one account, in the last so many minutes; counted in the
# cache (accounts/email_budget.py). The cache is each process's memory unless RECOUNT_CACHE is
# "database" (Django's database cache, shared by every web server on the database; run
# `manage.py createcachetable` once): with several web servers, use a shared cache (SECURITY.md).
EMAIL_LINKS_PER_ADDRESS = env_int("RECOUNT_EMAIL_LINKS_PER_ADDRESS", 5)
EMAIL_LINKS_PER_ACCOUNT = env_int("RECOUNT_EMAIL_LINKS_PER_ACCOUNT", 30)
EMAIL_LINKS_WINDOW_MINUTES = env_int("RECOUNT_EMAIL_LINKS_WINDOW_MINUTES", 60)
if min(EMAIL_LINKS_PER_ADDRESS, EMAIL_LINKS_PER_ACCOUNT, EMAIL_LINKS_WINDOW_MINUTES) < 1:
    raise ImproperlyConfigured("RECOUNT_EMAIL_LINKS_PER_ADDRESS, _PER_ACCOUNT and _WINDOW_MINUTES must be 1 or more.")
CACHE_BACKENDS = {
    "memory": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "recount_desk_cache"},
}
if env_str("RECOUNT_CACHE", "memory") not in CACHE_BACKENDS:
    raise ImproperlyConfigured(f"RECOUNT_CACHE must be one of {', '.join(CACHE_BACKENDS)}.")
CACHES = {"default": CACHE_BACKENDS[env_str("RECOUNT_CACHE", "memory")]}

# Two-factor sign-in (django-otp): the name authenticator apps show, and after how many seconds a wrong
# code pauses the device (doubling with each further wrong code).
OTP_TOTP_ISSUER = "Recount Desk"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Where to report a vulnerability in this deployment, published at /.well-known/security.txt (RFC 9116):
# a mailto: or https: URI. `check --deploy` warns while it is not set.
SECURITY_CONTACT = env_str("RECOUNT_SECURITY_CONTACT", "")
if SECURITY_CONTACT and not SECURITY_CONTACT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured(
        f"RECOUNT_SECURITY_CONTACT must be a mailto: or https: URI (RFC 9116); got {SECURITY_CONTACT!r}."
    )

DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "Recount Desk <recount-desk@localhost>")
MAILERS = {
    "default": {
        "BACKEND": env_str(
            "DJANGO_EMAIL_BACKEND",
            # Production sends real mail; the console is for development, tests and the demo.
            "django.core.mail.backends.smtp.EmailBackend"
            if PRODUCTION
            else "django.core.mail.backends.console.EmailBackend",
        ),
        "OPTIONS": {
            key: value
            for key, value in {
                "host": os.environ.get("DJANGO_EMAIL_HOST"),
                "port": env_int("DJANGO_EMAIL_PORT", None),
                "username": os.environ.get("DJANGO_EMAIL_USER"),
                "password": os.environ.get("DJANGO_EMAIL_PASSWORD"),
            }.items()
            if value is not None
        },
    },
}

# Notices are emailed through Django's tasks: at once, inside the request, in development, tests and
# the demo; in production through django-tasks-db's queue in the database, which `manage.py db_worker`
# works through. The app and its tables are installed either way, so the migrations are the same.
TASK_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS_BACKEND = env_str("RECOUNT_TASKS_BACKEND", "database" if PRODUCTION else "immediate")
if TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"RECOUNT_TASKS_BACKEND must be 'immediate' or 'database'; got {TASKS_BACKEND!r}.")
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASKS_BACKEND]}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
}
