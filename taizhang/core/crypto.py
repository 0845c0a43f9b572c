"""Encryption at rest for personal data (ID numbers, phones) and keyed digests for lookups.

The key comes from TAIZHANG_FIELD_KEY. Values are Fernet tokens (AES-128-CBC + HMAC-SHA256), so
equal plaintexts give different ciphertexts; lookups by value (import's natural key 身份证号) use
`digest()`, an HMAC that reveals nothing without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

PREFIX = "enc1:"


@lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[Fernet, bytes]:
    material = hashlib.sha256(("taizhang-field-key:" + secret).encode()).digest()
    fernet = Fernet(base64.urlsafe_b64encode(material))
    mac_key = hashlib.sha256(("taizhang-digest-key:" + secret).encode()).digest()
    return fernet, mac_key


def _secret() -> str:
    return settings.TAIZHANG_FIELD_KEY or settings.SECRET_KEY


def encrypt(value: str) -> str:
    if value == "":
        return ""
    fernet, _ = _keys(_secret())
    return PREFIX + fernet.encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not value or not value.startswith(PREFIX):
        return value or ""
    fernet, _ = _keys(_secret())
    try:
        return fernet.decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        # A wrong key must not crash every page that lists members; show that the value is unreadable.
        return "（无法解密）"


def digest(value: str) -> str:
    if not value:
        return ""
    _, mac_key = _keys(_secret())
    return hmac.new(mac_key, value.encode(), hashlib.sha256).hexdigest()
