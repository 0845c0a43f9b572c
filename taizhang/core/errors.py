"""Error pages in Chinese that do not leak internals (ASVS 16.5.1: a request id, no stack trace)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    request_id = ""
    try:
        from taizhang.core.audit import current_request

        info = current_request.get()
        request_id = info.request_id if info else ""
    except Exception:  # noqa: BLE001 - the error page must render whatever went wrong
        pass
    html = render_to_string(
        "core/error.html",
        {"status": status, "title": title, "message": message, "request_id": request_id},
        request=request if status != 500 else None,
    )
    return HttpResponse(html, status=status)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "您没有执行此操作的权限。"
    return _page(request, 403, "无权操作", message)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, "页面不存在", "没有找到该页面或记录，或您无权查看。")


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        500,
        "系统错误",
        "系统暂时无法处理您的请求，请稍后再试；如问题持续，请将下面的请求编号告知管理员。",
    )
