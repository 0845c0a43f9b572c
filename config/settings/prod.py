"""Production overlay: hardening only. Fails loudly when a secret is missing."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list

from .base import *  # noqa: F403
from .base import DEV_SECRET_KEY, SECRET_KEY, TAIZHANG_FIELD_KEY

DEBUG = False
if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 40:
    raise ImproperlyConfigured("生产环境必须设置 TAIZHANG_SECRET_KEY（至少 40 个字符）")
if not TAIZHANG_FIELD_KEY:
    raise ImproperlyConfigured("生产环境必须设置 TAIZHANG_FIELD_KEY（身份证号、手机号加密密钥）")

SECURE_SSL_REDIRECT = env_bool("TAIZHANG_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("TAIZHANG_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
WHITENOISE_AUTOREFRESH = False

# Administrators and leaders sign in with password + TOTP (等保 8.1.4.1 d); set to include
# "secretary" and "member" to require it of everyone.
TAIZHANG_OTP_REQUIRED_ROLES = env_list("TAIZHANG_OTP_REQUIRED_ROLES", ["admin", "leader"])
