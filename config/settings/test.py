"""Test overlay: speed only. The database still comes from TAIZHANG_DATABASE_URL (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
import tempfile

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="taizhang-test-media-")
# SQLite tests run on a temporary file, not Django's shared-cache in-memory database: shared cache
# answers concurrent writers with "database table is locked" at once instead of waiting on the busy
# timeout, so tests that race real concurrent requests (rectification sign-off) need a file, exactly
# as production runs. pytest-django appends the xdist worker suffix to this name.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.mkdtemp(prefix="taizhang-test-db-"), "test.sqlite3")
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# Background ledgers run inline in the request that asks for them (no thread outliving the test); the tests
# of the thread itself turn it back on.
TAIZHANG_LEDGER_BACKGROUND = False
# Reports are not rendered with LibreOffice to place the signature (seconds each); the tests of that turn it on.
TAIZHANG_REPORT_FIT_SIGNATURE = False
TAIZHANG_FIELD_KEY = os.environ.get("TAIZHANG_FIELD_KEY", "test-field-key-0123456789")
# Playwright's sync API runs an event loop in the test thread; the ORM calls in browser tests are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
