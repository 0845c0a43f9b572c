"""The production settings (config.settings.prod) inside an ordinary test: read once from a subprocess
that loads them exactly as gunicorn would, then applied with the `prod_settings` fixture (conftest.py).
Tests then walk the production middleware chain (HTTPS behind nginx, TOTP for admin and leader, the
password policy) with Django's test client."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from taizhang.core.tests.factories import PASSWORD

# What production changes that a request can notice. Secrets, database, storage and hashers stay the
# test run's own (the hasher only changes how long a test takes).
KEYS = (
    "MIDDLEWARE",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_NAME",
    "TAIZHANG_OTP_REQUIRED_ROLES",
    "PASSWORD_MAX_AGE_DAYS",
    "AXES_FAILURE_LIMIT",
    "TAIZHANG_ADDRESS_FAILURE_LIMIT",
)


def prod_env(**extra: str) -> dict:
    # A clean environment: nothing the test run sets for itself (TAIZHANG_*, DJANGO_ALLOW_ASYNC_UNSAFE).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAIZHANG_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        TAIZHANG_SECRET_KEY="prod-test-secret-key-" + "0123456789abcdef" * 2,
        TAIZHANG_FIELD_KEY="prod-test-field-key-0123456789",
        TAIZHANG_ALLOWED_HOSTS="taizhang.example.internal",
        TAIZHANG_DATABASE_URL=os.environ.get(
            "TAIZHANG_DATABASE_URL", "sqlite:////tmp/taizhang-deploy-check.sqlite3"
        ),
    )
    env.update(extra)
    return env


@functools.cache
def production_settings() -> dict[str, Any]:
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {KEYS!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=prod_env(),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    values = json.loads(result.stdout)
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def https_client() -> Client:
    """A browser behind nginx, which terminates TLS and says so in X-Forwarded-Proto."""
    return Client(headers={"X-Forwarded-Proto": "https"}, raise_request_exception=False)


def totp_code(device: Any) -> str:
    """What the user's phone shows now."""
    device.refresh_from_db()
    device.throttle_reset()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def sign_in(user: Any, password: str = PASSWORD) -> Client:
    """Log in through the login form and, when the user has an authenticator, the code page."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = https_client()
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": password})
    assert response.status_code == 302, response.status_code
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        response = client.post(reverse("accounts:otp_verify"), {"token": totp_code(device)})
        assert response.status_code == 302, response.content.decode()[:500]
    return client


def enrol(user: Any) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=True)
