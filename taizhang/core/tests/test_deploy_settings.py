"""Production settings (等保 8.1.4.1 c, ASVS 3.4): HTTPS only, HSTS, secure cookies, CSP without outside
hosts, and Django's own deployment check clean at WARNING level."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from taizhang.core.tests.factories import PASSWORD
from taizhang.core.tests.prod import prod_env

ROOT = settings.BASE_DIR


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "taizhang", *args],
        env=prod_env(**env),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_DJB_AUTH_03_check_deploy_with_production_settings_reports_no_issues():
    result = _run(["check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_DJB_AUTH_03_production_settings_force_https_hsts_and_secure_cookies():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in ("
        "'DEBUG','SECURE_SSL_REDIRECT','SECURE_HSTS_SECONDS','SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE',"
        "'SESSION_COOKIE_HTTPONLY','SESSION_COOKIE_AGE','SESSION_EXPIRE_AT_BROWSER_CLOSE','X_FRAME_OPTIONS',"
        "'SECURE_CONTENT_TYPE_NOSNIFF','CONTENT_SECURITY_POLICY','TAIZHANG_OTP_REQUIRED_ROLES',"
        "'TAIZHANG_SESSION_ABSOLUTE_SECONDS','AXES_FAILURE_LIMIT','PASSWORD_HASHERS','AXES_COOLOFF_TIME',"
        "'PASSWORD_MAX_AGE_DAYS')}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=prod_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    s = json.loads(result.stdout)
    assert s["DEBUG"] is False and s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"]
    assert s["SESSION_COOKIE_AGE"] <= 30 * 60 and s["SESSION_EXPIRE_AT_BROWSER_CLOSE"]
    assert s["TAIZHANG_SESSION_ABSOLUTE_SECONDS"] <= 12 * 3600 and s["AXES_FAILURE_LIMIT"] == 5
    assert s["X_FRAME_OPTIONS"] == "DENY" and s["SECURE_CONTENT_TYPE_NOSNIFF"]
    assert s["PASSWORD_HASHERS"][0].endswith("Argon2PasswordHasher")  # ASVS 11.4.2
    assert s["AXES_COOLOFF_TIME"] == "0:30:00" and s["PASSWORD_MAX_AGE_DAYS"] == 90
    assert set(s["TAIZHANG_OTP_REQUIRED_ROLES"]) >= {"admin", "leader"}
    sources = [src for values in s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"].values() for src in values]
    assert all(src in ("'self'", "'none'", "'unsafe-inline'", "data:", "blob:") for src in sources), sources


@pytest.mark.parametrize(
    "missing, message",
    [("TAIZHANG_SECRET_KEY", "TAIZHANG_SECRET_KEY"), ("TAIZHANG_FIELD_KEY", "TAIZHANG_FIELD_KEY")],
)
def test_DJB_DC_01_production_refuses_to_start_without_its_keys(missing, message):
    result = _run(["check"], **{missing: ""})
    assert result.returncode != 0 and message in result.stderr


@pytest.mark.django_db
def test_ASVS_3_4_3_every_page_carries_a_csp_without_outside_hosts(world):
    client = Client()
    client.force_login(world.admin)
    for url in (reverse("accounts:login"), reverse("core:home"), reverse("core:audit_list")):
        response = Client().get(url) if url == reverse("accounts:login") else client.get(url)
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "http:" not in csp and "https:" not in csp
        assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_DJB_AUTH_03_plain_http_is_redirected_and_cookies_are_secure_httponly(world):
    with override_settings(SECURE_SSL_REDIRECT=True, SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True):
        response = Client().get(reverse("accounts:login"))
        assert response.status_code == 301 and response["Location"].startswith("https://")
        secure = Client()
        response = secure.post(
            reverse("accounts:login"), {"username": "t_sec_a", "password": PASSWORD}, secure=True
        )
        cookie = response.cookies[settings.SESSION_COOKIE_NAME]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_uploaded_files_go_to_a_private_bucket_when_TAIZHANG_S3_BUCKET_is_set():
    code = "import json; from django.conf import settings as s; print(json.dumps(s.STORAGES['default']))"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=prod_env(
            TAIZHANG_S3_BUCKET="taizhang-media",
            TAIZHANG_S3_ENDPOINT_URL="https://oss.example.internal",
        ),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    storage = json.loads(result.stdout)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "taizhang-media"
    assert options["endpoint_url"] == "https://oss.example.internal"
    # Private objects, signed access only, never overwritten: files stay behind the views' checks.
    assert options["default_acl"] == "private" and options["querystring_auth"] is True
    assert options["file_overwrite"] is False


def test_object_storage_without_boto3_stops_at_start_up_with_the_install_hint():
    pytest.importorskip("storages")
    try:
        import boto3  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("boto3 is installed here: the check passes")
    result = _run(["check"], TAIZHANG_S3_BUCKET="taizhang-media")
    assert result.returncode != 0
    assert "TAIZHANG_S3_BUCKET" in result.stderr and 'pip install "taizhang[s3]"' in result.stderr
