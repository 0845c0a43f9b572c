"""Login, logout, failed logins and lockouts go to the audit log (等保 8.1.4.3). Auth signals are
Django's only hook for these events; domain flow never uses signals."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from taizhang.accounts.lockout import on_axes_lockout
from taizhang.core.audit import audit

LOGIN_AT = "taizhang_login_at"


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        # The absolute session lifetime (12 h) counts from here; see SessionLifetimeMiddleware.
        request.session[LOGIN_AT] = timezone.now().timestamp()
        from taizhang.accounts.middleware import remember_otp_device

        remember_otp_device(request, user)
    audit("login", user=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit("logout", user=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    audit("login_failed", success=False, detail={"username": str(credentials.get("username", ""))[:150]})


user_locked_out.connect(on_axes_lockout, dispatch_uid="taizhang_axes_lockout_audit")
