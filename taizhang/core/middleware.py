"""Request-wide context: who is asking, from where, under which request id (for the audit log)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from taizhang.core.audit import RequestInfo, client_ip, current_request, new_request_id


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        info = RequestInfo(
            user=request.user if getattr(request, "user", None) is not None else None,
            ip=client_ip(request),
            request_id=new_request_id(),
            path=request.path,
        )
        token = current_request.set(info)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = info.request_id
        return response
