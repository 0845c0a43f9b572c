"""Password policy (等保 8.1.4.1 a): a first-login or expired password must be changed before anything else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone


class PasswordPolicyMiddleware:
    ALLOWED = ("accounts:password_change", "accounts:logout", "core:healthz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._allowed_paths: set[str] | None = None

    def _allowed(self) -> set[str]:
        if self._allowed_paths is None:
            self._allowed_paths = {reverse(name) for name in self.ALLOWED}
        return self._allowed_paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.path not in self._allowed()
            and not request.path.startswith(settings.STATIC_URL)
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
