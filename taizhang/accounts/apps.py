from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "taizhang.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from taizhang.accounts import signals  # noqa: F401
