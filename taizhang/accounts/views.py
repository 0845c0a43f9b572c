"""Login, password and account administration pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from taizhang.accounts import lockout, otp, services
from taizhang.accounts.access import get_managed_role, get_managed_user
from taizhang.accounts.forms import AccountCreateForm, LoginForm, OTPTokenForm, RoleGrantForm
from taizhang.accounts.middleware import OTP_DEVICE, has_otp_device
from taizhang.accounts.selectors import user_list_for_admin
from taizhang.core.access import Cap, require, require_any
from taizhang.core.audit import audit, client_ip
from taizhang.org.access import get_rw_member_for_user


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        # The per-address limit (accounts.lockout) runs before any password is checked.
        ip = client_ip(request)
        if lockout.address_locked(ip):
            lockout.audit_locked(username=request.POST.get("username", ""), ip=ip, reason="address")
            return render(request, "accounts/locked_out.html", {"by_address": True}, status=429)
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200 and lockout.address_locked(ip):
            lockout.audit_locked(username=request.POST.get("username", ""), ip=ip, reason="address")
        return response


class LogoutView(auth_views.LogoutView):
    """Ends the server session (Django flushes it) and asks the browser to drop its cached pages and
    storage too (ASVS 14.3.1)."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:  # noqa: ANN002, ANN003
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return resolve_url("core:home")


def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code, type the first code, note the backup codes."""
    if has_otp_device(request.user):
        # Replacing a device needs an administrator who has checked the person (ASVS 6.4.4).
        if request.user.is_verified():
            return render(request, "accounts/otp_setup.html", {"enrolled": True})
        return redirect(f"{reverse('accounts:otp_verify')}?{urlencode({'next': _next_url(request)})}")
    device = otp.pending_device(request.user)
    form = OTPTokenForm(request.POST or None)
    if form.is_valid():
        codes = otp.confirm(device=device, token=form.cleaned_data["token"])
        if codes is None:
            form.add_error("token", "动态验证码不正确，请核对手机时间后重新输入")
        else:
            otp_login(request, device)
            request.session[OTP_DEVICE] = True
            return render(request, "accounts/otp_codes.html", {"codes": codes, "next": _next_url(request)})
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr": otp.qr_data_uri(device.config_url),
            "secret": otp.secret_base32(device),
            "next": _next_url(request),
            "required": bool(request.GET.get("next")),
        },
    )


def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of the login for users with an authenticator."""
    if not has_otp_device(request.user):
        return redirect(f"{reverse('accounts:otp_setup')}?{urlencode({'next': _next_url(request)})}")
    form = OTPTokenForm(request.POST or None)
    if form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is None:
            audit("otp", obj=request.user, success=False, detail={"step": "verify"})
            form.add_error("token", "动态验证码不正确或已使用过；多次输错后需等待片刻再试")
        else:
            otp_login(request, device)
            audit("otp", obj=request.user, detail={"step": "verify", "device": device.__class__.__name__})
            return redirect(_next_url(request))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@require_POST
def otp_reset(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_managed_user(request.user, pk)
    otp.reset(user=account, actor=request.user)
    messages.success(request, "已清除该账号的身份验证器和备用码，其下次登录时须重新绑定")
    return redirect("accounts:user_detail", pk=account.pk)


def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if form.is_valid():
        with transaction.atomic():
            user = form.save()
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
            audit("password", obj=user, user=user)
        # Keeps this session; every other session of the user ends because the hash changed.
        update_session_auth_hash(request, user)
        messages.success(request, "密码已修改")
        return redirect("core:home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "required": request.GET.get("required") == "1" or request.user.must_change_password},
    )


def user_list(request: HttpRequest) -> HttpResponse:
    require_any(request.user, Cap.MANAGE)
    q = request.GET.get("q", "").strip()
    page = Paginator(user_list_for_admin(user=request.user, q=q), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page, "q": q})


def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_managed_user(request.user, pk)
    form = RoleGrantForm(user=request.user)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "roles": account.roles.select_related("org").order_by("org__path"),
            "form": form,
            "new_password": request.session.pop("new_password", None),
        },
    )


def account_create(request: HttpRequest, member_pk: int) -> HttpResponse:
    member = get_rw_member_for_user(request.user, member_pk)
    form = AccountCreateForm(request.POST or None)
    if form.is_valid():
        try:
            user, raw = services.account_create(
                username=form.cleaned_data["username"], member=member, actor=request.user
            )
            services.role_grant(user=user, org=member.org, role="member", actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # Shown once on the next page, never stored in clear anywhere else.
            request.session["new_password"] = raw
            messages.success(request, f"已为“{member.name}”创建登录账号，并授予“党员”角色")
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/account_create.html", {"form": form, "member": member})


@require_POST
def role_grant(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_managed_user(request.user, pk)
    form = RoleGrantForm(request.POST, user=request.user)
    if form.is_valid():
        require(request.user, Cap.MANAGE, form.cleaned_data["org"])
        try:
            services.role_grant(
                user=account, org=form.cleaned_data["org"], role=form.cleaned_data["role"], actor=request.user
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "已授予角色")
    else:
        messages.error(request, "请选择组织和角色")
    return redirect("accounts:user_detail", pk=account.pk)


@require_POST
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_managed_role(request.user, pk)
    user_pk = assignment.user_id
    services.role_revoke(assignment=assignment, actor=request.user)
    messages.success(request, "已撤销角色")
    return redirect("accounts:user_detail", pk=user_pk)


@require_POST
def password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_managed_user(request.user, pk)
    request.session["new_password"] = services.password_reset(user=account, actor=request.user)
    messages.success(request, "已重置密码，该账号下次登录须修改密码")
    return redirect("accounts:user_detail", pk=account.pk)


@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_managed_user(request.user, pk)
    if account.pk == request.user.pk:
        messages.error(request, "不能停用自己的账号")
        return redirect("accounts:user_detail", pk=account.pk)
    active = request.POST.get("active") == "1"
    services.user_set_active(user=account, active=active, actor=request.user)
    messages.success(request, "已启用账号" if active else "已停用账号，并结束其所有会话")
    return redirect("accounts:user_detail", pk=account.pk)
