"""Login, logout and failed logins go to the audit log (等保 8.1.4.3). Auth signals are Django's only
hook for these events; domain flow never uses signals."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from taizhang.core.audit import audit


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit("login", user=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit("logout", user=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    audit("login_failed", success=False, detail={"username": str(credentials.get("username", ""))[:150]})
