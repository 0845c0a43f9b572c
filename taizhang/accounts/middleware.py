"""Session and sign-in policy applied to every URL (等保 8.1.4.1 a, b, d).

- PasswordPolicyMiddleware: a first-login or expired password must be changed before anything else.
- SessionLifetimeMiddleware: a session ends 12 hours after its login however active it is (the
  30-minute idle limit is the sliding session cookie age, SESSION_COOKIE_AGE + SESSION_SAVE_EVERY_REQUEST).
- OTPRequiredMiddleware: a user holding a role in TAIZHANG_OTP_REQUIRED_ROLES, or anyone who has
  enrolled an authenticator, must pass the second factor (TOTP) before any other page; a required user
  without a device is sent to enrol one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode


class _PathPolicy:
    ALLOWED: tuple[str, ...] = ()

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._allowed_paths: set[str] | None = None

    def _allowed(self) -> set[str]:
        if self._allowed_paths is None:
            self._allowed_paths = {reverse(name) for name in self.ALLOWED}
        return self._allowed_paths

    def _exempt(self, request: HttpRequest) -> bool:
        return request.path in self._allowed() or request.path.startswith(settings.STATIC_URL)


class PasswordPolicyMiddleware(_PathPolicy):
    ALLOWED = ("accounts:password_change", "accounts:logout", "core:healthz")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not self._exempt(request)
            and self._must_change(user)
        ):
            return redirect(f"{reverse('accounts:password_change')}?required=1")
        return self.get_response(request)

    @staticmethod
    def _must_change(user) -> bool:  # noqa: ANN001
        if user.must_change_password:
            return True
        max_age = settings.PASSWORD_MAX_AGE_DAYS
        if max_age and user.password_changed_at:
            return timezone.now() - user.password_changed_at > timedelta(days=max_age)
        return False


class SessionLifetimeMiddleware:
    """Log out a session older than TAIZHANG_SESSION_ABSOLUTE_SECONDS since its login (ASVS 7.3.2)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from taizhang.accounts.signals import LOGIN_AT

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            login_at = request.session.get(LOGIN_AT)
            now = timezone.now().timestamp()
            if login_at is None:
                # A session from before this rule (or force_login in tests): its clock starts now.
                request.session[LOGIN_AT] = now
            elif now - float(login_at) > settings.TAIZHANG_SESSION_ABSOLUTE_SECONDS:
                logout(request)  # flushes the server-side session and writes the logout audit row
                return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.path})}")
        return self.get_response(request)


OTP_DEVICE = "taizhang_otp_device"


def has_otp_device(user) -> bool:  # noqa: ANN001
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def remember_otp_device(request: HttpRequest, user) -> bool:  # noqa: ANN001
    """Whether the user has an authenticator, noted in the session at login and at enrolment, so pages
    cost no extra query."""
    value = has_otp_device(user)
    request.session[OTP_DEVICE] = value
    return value


def otp_required_for(request: HttpRequest, user) -> bool:  # noqa: ANN001
    """Whether this user must pass the second factor: a required role, or an enrolled device."""
    from taizhang.core.access import scope_for

    required = set(settings.TAIZHANG_OTP_REQUIRED_ROLES)
    if required and (scope_for(user).role_names & required or (user.is_superuser and "admin" in required)):
        return True
    device = request.session.get(OTP_DEVICE)
    return remember_otp_device(request, user) if device is None else bool(device)


class OTPRequiredMiddleware(_PathPolicy):
    ALLOWED = ("accounts:otp_verify", "accounts:otp_setup", "accounts:logout", "core:healthz")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not self._exempt(request)
            and otp_required_for(request, user)
        ):
            target = "accounts:otp_verify" if has_otp_device(user) else "accounts:otp_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
