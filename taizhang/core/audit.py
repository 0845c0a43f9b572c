"""Writing the audit log from anywhere: services call audit(...) without passing the request.

RequestContextMiddleware puts the user, address and a request id in a context variable; commands
run outside a request and log the user they are given (or none).
"""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass
class RequestInfo:
    user: Any = None
    ip: str | None = None
    request_id: str = ""
    path: str = ""


current_request: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "taizhang_request", default=None
)


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def client_ip(request: Any) -> str | None:
    # Only REMOTE_ADDR is trusted; behind nginx set it with the real-ip module, not X-Forwarded-For
    # from the client (a forged header must not hide the real address in the log).
    return request.META.get("REMOTE_ADDR") or None


def audit(
    action: str,
    *,
    obj: Any = None,
    detail: dict | None = None,
    success: bool = True,
    user: Any = None,
    object_type: str = "",
    object_repr: str = "",
) -> None:
    from taizhang.core.models import AuditLog

    info = current_request.get() or RequestInfo()
    if user is None:
        user = info.user
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    obj_type = object_type
    obj_id = ""
    if isinstance(obj, models.Model):
        obj_type = obj_type or obj._meta.label
        obj_id = str(obj.pk or "")
        object_repr = object_repr or str(obj)[:255]
    AuditLog.objects.create(
        user=user,
        username=getattr(user, "username", "") if user else (detail or {}).get("username", ""),
        ip=info.ip,
        action=action,
        success=success,
        object_type=obj_type,
        object_id=obj_id,
        object_repr=object_repr[:255],
        detail=detail or {},
        request_id=info.request_id,
        path=info.path[:255],
    )
