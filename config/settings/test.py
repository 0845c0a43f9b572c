"""Test overlay: speed only. The database still comes from TAIZHANG_DATABASE_URL (SQLite or PostgreSQL)."""

from __future__ import annotations

import os
import tempfile

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = tempfile.mkdtemp(prefix="taizhang-test-media-")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
TAIZHANG_FIELD_KEY = os.environ.get("TAIZHANG_FIELD_KEY", "test-field-key-0123456789")
# Playwright's sync API runs an event loop in the test thread; the ORM calls in browser tests are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
