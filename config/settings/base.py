"""Complete settings: run with SQLite out of the box, everything else from the environment.

prod.py adds hardening only; test.py adds speed only.
"""

from __future__ import annotations

from datetime import timedelta

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import BASE_DIR, env_bool, env_int, env_list, env_str

DEBUG = env_bool("TAIZHANG_DEBUG", True)
# A fixed development key keeps `make run` zero-configuration; prod.py refuses to start with it.
DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-7f3a9c"
SECRET_KEY = env_str("TAIZHANG_SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("TAIZHANG_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("TAIZHANG_CSRF_TRUSTED_ORIGINS", [])

VAR_DIR = BASE_DIR / "var"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "taizhang.core",
    "taizhang.org",
    "taizhang.accounts",
    "taizhang.campaigns",
    "taizhang.study",
    "taizhang.plans",
    "taizhang.outreach",
    "taizhang.rectification",
    "taizhang.reports",
    "taizhang.imports",
    "taizhang.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "taizhang.accounts.middleware.SessionLifetimeMiddleware",
    "taizhang.accounts.middleware.OTPRequiredMiddleware",
    "taizhang.accounts.middleware.PasswordPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "taizhang.core.middleware.RequestContextMiddleware",
    # Uploads written by a request whose transaction rolled back are deleted (core/filetx.py).
    "taizhang.core.filetx.FilesFollowTransactionMiddleware",
    # Last, so it sees the outcome of the login attempt the views above produced.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "taizhang.core.context_processors.navigation",
            ],
            "builtins": ["taizhang.core.templatetags.taizhang_tags"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# TAIZHANG_DATABASE_URL: sqlite:///path or postgres://user@host:port/name. SQLite runs in WAL mode
# with IMMEDIATE transactions so concurrent writers queue on the busy timeout instead of failing
# with "database is locked" (see the reliability notes in the security checklist, REL-LOAD-02).
VAR_DIR.mkdir(exist_ok=True)
DATABASE_URL = env_str("TAIZHANG_DATABASE_URL", f"sqlite:///{VAR_DIR / 'taizhang.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("TAIZHANG_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA secure_delete=ON; PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
        ),
    }
else:
    # PostgreSQL: keep each worker's connection for a minute instead of opening (forking a backend)
    # for every request (an unloaded /healthz/ through gunicorn: 8.6 ms → 2 ms; docs/reliability.md);
    # health checks replace a connection the server dropped (restart, failover) before it is used.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("TAIZHANG_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Authentication (等保 8.1.4.1) ---------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "taizhang.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "taizhang.accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "taizhang.accounts.validators.ContextWordValidator"},
    {"NAME": "taizhang.accounts.validators.PasswordHistoryValidator", "OPTIONS": {"keep": 5}},
]
# Extra words a password may not contain, e.g. the bureau's name and its pinyin (comma-separated).
TAIZHANG_PASSWORD_CONTEXT_WORDS = env_list("TAIZHANG_PASSWORD_CONTEXT_WORDS", [])
PASSWORD_MAX_AGE_DAYS = env_int("TAIZHANG_PASSWORD_MAX_AGE_DAYS", 90)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout: 5 failures lock the account for 30 minutes; the address limit is higher so one mistyping
# colleague behind the bureau's shared NAT address cannot lock everyone else out.
AXES_FAILURE_LIMIT = env_int("TAIZHANG_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("TAIZHANG_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = env_bool("TAIZHANG_AXES_ENABLED", True)
TAIZHANG_ADDRESS_FAILURE_LIMIT = env_int("TAIZHANG_ADDRESS_FAILURE_LIMIT", 50)
# axes locks by account; the per-address limit has its own, higher threshold (above), so axes' own
# warning about not locking by address does not apply.
# models.W040: the covering indexes name an INCLUDE column for PostgreSQL; SQLite ignores it (its
# indexes carry the rowid anyway).
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]

# Idle timeout of 30 minutes: the cookie age slides forward with every request.
SESSION_COOKIE_AGE = env_int("TAIZHANG_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
TAIZHANG_SESSION_ABSOLUTE_SECONDS = env_int("TAIZHANG_SESSION_ABSOLUTE_SECONDS", 12 * 3600)
# Roles whose users must pass a TOTP second factor on every URL (等保 8.1.4.1 d). Empty here so the
# development and demo logins work with a password alone; prod.py defaults to admin and leader.
TAIZHANG_OTP_REQUIRED_ROLES = env_list("TAIZHANG_OTP_REQUIRED_ROLES", [])
OTP_TOTP_ISSUER = "台账"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Personal data (等保 8.1.4.8 / PIPL) ---------------------------------------------------------
# Key for the ID-number and phone columns. Development derives one from the dev secret; prod.py
# requires an explicit key so a leaked database dump stays unreadable.
TAIZHANG_FIELD_KEY = env_str("TAIZHANG_FIELD_KEY", "")

# --- I18N ----------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static and uploaded files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded files on object storage (S3, MinIO, OSS, COS through the S3 API) when several application
# machines share them: django-storages with boto3 (`pip install "taizhang[s3]"`). The bucket stays
# private: files are still only streamed by the permission-checked views, never linked to.
TAIZHANG_S3_BUCKET = env_str("TAIZHANG_S3_BUCKET", "")
if TAIZHANG_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": TAIZHANG_S3_BUCKET,
            "endpoint_url": env_str("TAIZHANG_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("TAIZHANG_S3_REGION", "") or None,
            # Credentials from TAIZHANG_S3_ACCESS_KEY_ID / _SECRET_ACCESS_KEY, else boto3's own chain
            # (AWS_* variables, instance role).
            "access_key": env_str("TAIZHANG_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("TAIZHANG_S3_SECRET_ACCESS_KEY", "") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "location": env_str("TAIZHANG_S3_PREFIX", "media"),
        },
    }
# Uploads live outside any served folder; they are only ever streamed by permission-checked views.
MEDIA_ROOT = env_str("TAIZHANG_MEDIA_ROOT", str(VAR_DIR / "media"))
# No URL pattern serves this prefix (files go through core.views.attachment_download); it is set
# only because Django's test live server expects a string here.
MEDIA_URL = "/_media-not-served/"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TAIZHANG_UPLOAD_MAX_BYTES = env_int("TAIZHANG_UPLOAD_MAX_MB", 20) * 1024 * 1024
TAIZHANG_IMPORT_MAX_BYTES = env_int("TAIZHANG_IMPORT_MAX_MB", 30) * 1024 * 1024
# An imported sheet may have at most this many rows (title and header rows included) and values in at
# most this many columns: the work of an import follows the real cells, and these bound it (issue 16 F5).
TAIZHANG_IMPORT_MAX_ROWS = env_int("TAIZHANG_IMPORT_MAX_ROWS", 200_000)
TAIZHANG_IMPORT_MAX_COLUMNS = env_int("TAIZHANG_IMPORT_MAX_COLUMNS", 100)
# Blanks (X, ＿＿ …) one draft given to the filler (填写我的文稿) may have; a report has a few dozen. Each
# blank is matched, stored and reviewed, so this bounds what one upload costs (issue 16 F6).
TAIZHANG_FILL_MAX_BLANKS = env_int("TAIZHANG_FILL_MAX_BLANKS", 500)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# --- Security headers that are safe everywhere; prod.py adds HTTPS-only ones ---------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the meta tag, not the cookie.

# Content Security Policy: every script is a file served by the app itself (no inline script, no
# outside host). Styles allow inline attributes because Bootstrap components and ECharts set them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("TAIZHANG_LOG_LEVEL", "WARNING")},
}

# How many days without a study activity make a branch "silent" (静默支部).
TAIZHANG_SILENT_DAYS = env_int("TAIZHANG_SILENT_DAYS", 30)
# A report snapshot freezes the ids of the rows behind a figure only up to this many rows; larger figures
# (a city's millions of attendance rows) keep their value and row count, and their drift page lists the
# live rows instead of an added / removed comparison.
TAIZHANG_REPORT_FREEZE_IDS_LIMIT = env_int("TAIZHANG_REPORT_FREEZE_IDS_LIMIT", 50_000)
# Days before a deadline at which an open item turns yellow.
TAIZHANG_YELLOW_DAYS = env_int("TAIZHANG_YELLOW_DAYS", 3)
# A ledger of at least this many rows is generated in the background ("后台生成", reports.services
# ledger_export_*) instead of inside the request: a city's study ledger (100,000 rows) takes 10–20 s, longer
# than a web worker should be held and than nginx waits.
TAIZHANG_LEDGER_BACKGROUND_ROWS = env_int("TAIZHANG_LEDGER_BACKGROUND_ROWS", 20_000)

# --- Background jobs (imports, big ledgers; core/jobs.py) ----------------------------------------------
# Django's task framework (django-tasks). "database": tasks are rows in this database and `taizhang worker`
# runs them (one machine, or several sharing the database); "rq": tasks go to Redis (TAIZHANG_REDIS_URL)
# and `taizhang worker` runs RQ's worker, for several application machines; "immediate": a task runs inside
# the request that asks for it (the tests; a trial without a worker).
TAIZHANG_TASKS_BACKEND = env_str("TAIZHANG_TASKS_BACKEND", "database")
TAIZHANG_REDIS_URL = env_str("TAIZHANG_REDIS_URL", "")
# The queue our tasks go to and `taizhang worker` takes them from (a separate name keeps two installations
# sharing one Redis, or one database server, apart).
TAIZHANG_TASKS_QUEUE = env_str("TAIZHANG_TASKS_QUEUE", "taizhang")
# A job is tried at most this many times: a worker killed in the middle of one (a restart, the OOM killer)
# gets it run again once; killed again, it is marked failed with its partial files removed.
TAIZHANG_JOB_ATTEMPTS = env_int("TAIZHANG_JOB_ATTEMPTS", 2)
# A running job that has not reported for this long is taken as lost (its machine died). A worker on the
# same machine that is gone is noticed at once, whatever this says.
TAIZHANG_JOB_STALE_SECONDS = env_int("TAIZHANG_JOB_STALE_SECONDS", 600)
# Longest run of one job under RQ before RQ stops it (a city's study ledger takes about 10 s, a 100,000-row
# import a few seconds; this only catches a job that hangs).
TAIZHANG_JOB_TIMEOUT_SECONDS = env_int("TAIZHANG_JOB_TIMEOUT_SECONDS", 3600)
# Live progress, heartbeat and cancel requests of running jobs are written outside the database: while an
# import holds SQLite's single write lock nobody else may write to it. Redis when there is one (several
# machines), else files under TAIZHANG_JOBS_DIR on this machine.
TAIZHANG_JOBS_DIR = env_str("TAIZHANG_JOBS_DIR", str(VAR_DIR / "jobs"))


def tasks_settings(backend: str, queue: str) -> dict:
    """TASKS for the chosen backend (test.py builds its own the same way)."""
    paths = {
        "database": "django_tasks_db.DatabaseBackend",
        "rq": "django_tasks_rq.RQBackend",
        "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        "dummy": "django_tasks.backends.dummy.DummyBackend",
    }
    if backend not in paths:
        raise ImproperlyConfigured(
            f"TAIZHANG_TASKS_BACKEND must be one of {', '.join(paths)}, not {backend!r}"
        )
    return {"default": {"BACKEND": paths[backend], "QUEUES": [queue]}}


TASKS = tasks_settings(TAIZHANG_TASKS_BACKEND, TAIZHANG_TASKS_QUEUE)
if TAIZHANG_TASKS_BACKEND == "rq":
    if not TAIZHANG_REDIS_URL:
        raise ImproperlyConfigured("TAIZHANG_TASKS_BACKEND=rq needs TAIZHANG_REDIS_URL (redis://host:6379/0)")
    INSTALLED_APPS.append("django_rq")
_RQ_QUEUE = {
    "URL": TAIZHANG_REDIS_URL or "redis://127.0.0.1:6379/0",
    "DEFAULT_TIMEOUT": TAIZHANG_JOB_TIMEOUT_SECONDS,
}
# django-rq looks results up through its "default" connection, whatever the queue: the same Redis.
RQ_QUEUES = {TAIZHANG_TASKS_QUEUE: _RQ_QUEUE, "default": _RQ_QUEUE}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "jobs": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": TAIZHANG_REDIS_URL}
        if TAIZHANG_REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": TAIZHANG_JOBS_DIR,
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    ),
}

# django-bootstrap5 renders forms only; its CDN tags are never used (assets come from static/vendor).
BOOTSTRAP5 = {
    "css_url": None,
    "javascript_url": None,
    "set_placeholder": False,
    "required_css_class": "required",
    "error_css_class": "is-invalid",
}
