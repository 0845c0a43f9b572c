from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from taizhang.accounts.models import RoleAssignment
from taizhang.core.access import Cap
from taizhang.core.forms import StyledFormMixin
from taizhang.org.forms import OrgPickField
from taizhang.org.models import Organization
from taizhang.org.selectors import org_choices_for_user


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续失败5次，账号将被锁定30分钟。",
        "inactive": "该账号已停用，请联系管理员。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class AccountCreateForm(StyledFormMixin, forms.Form):
    username = forms.CharField(label="用户名", max_length=150, help_text="登录用，字母、数字或 @/./+/-/_")

    def clean_username(self) -> str:
        from django.contrib.auth.validators import UnicodeUsernameValidator

        value = self.cleaned_data["username"].strip()
        UnicodeUsernameValidator()(value)
        return value


class RoleGrantForm(StyledFormMixin, forms.Form):
    org = OrgPickField(queryset=Organization.objects.none(), label="组织", cap=Cap.MANAGE)
    role = forms.ChoiceField(label="角色", choices=RoleAssignment.Role.choices)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = org_choices_for_user(user=user, cap=Cap.MANAGE)


class OTPTokenForm(StyledFormMixin, forms.Form):
    token = forms.CharField(
        label="动态验证码",
        max_length=16,
        help_text="身份验证器上显示的6位数字；手机不在身边时可输入一个备用码",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split())
