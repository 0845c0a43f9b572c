"""Login throttling by address (等保 8.1.4.1 b, ASVS 6.1.1 / 6.3.1).

django-axes locks an *account* after AXES_FAILURE_LIMIT (5) failures for AXES_COOLOFF_TIME (30 min).
An address gets its own, higher limit (TAIZHANG_ADDRESS_FAILURE_LIMIT, default 50 failures in the
same 30 minutes, over all usernames): a password-spraying client is stopped, while one colleague
who mistypes behind the bureau's shared NAT address locks only their own account, never everyone's.

The count reads axes' own attempt rows (one per username, address and browser, expired after the
cool-off), so there is no second counter to keep in step.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def address_failures(ip: str | None) -> int:
    if not ip:
        return 0
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(ip_address=ip, attempt_time__gt=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return total or 0


def address_locked(ip: str | None) -> bool:
    limit = settings.TAIZHANG_ADDRESS_FAILURE_LIMIT
    return bool(settings.AXES_ENABLED and limit and address_failures(ip) >= limit)


def audit_locked(*, username: str, ip: str | None, reason: str) -> None:
    from taizhang.core.audit import audit

    audit(
        "locked",
        success=False,
        detail={"username": (username or "")[:150], "address": ip or "", "reason": reason},
    )


def on_axes_lockout(
    sender: Any, request: Any = None, username: str = "", ip_address: str = "", **kw: Any
) -> None:
    audit_locked(username=username or "", ip=ip_address, reason="account")
