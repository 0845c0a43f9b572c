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
# Background jobs run inside the request that enqueues them (django-tasks' immediate backend), so a test sees
# the finished import or ledger; the worker tests (core/tests/test_worker.py) run the database and RQ backends
# with a real `taizhang worker` process.
TAIZHANG_TASKS_BACKEND = "immediate"
TASKS = tasks_settings(TAIZHANG_TASKS_BACKEND, TAIZHANG_TASKS_QUEUE)  # noqa: F405
# Job progress and cancel requests: this test process's own folder (xdist workers never share one).
CACHES = {  # noqa: F405
    **CACHES,  # noqa: F405
    "jobs": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": tempfile.mkdtemp(prefix="taizhang-test-jobs-"),
    },
}
TAIZHANG_FIELD_KEY = os.environ.get("TAIZHANG_FIELD_KEY", "test-field-key-0123456789")
# Playwright's sync API runs an event loop in the test thread; the ORM calls in browser tests are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
