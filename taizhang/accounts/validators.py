"""Password rules auditors check (等保 8.1.4.1 a): three character classes, no context words, no reuse."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError


class MinimumLengthValidator:
    """At least `min_length` characters, said in Chinese: Django 5.2's zh-hans catalog lacks the
    plural form of its own message, so users were told in English."""

    def __init__(self, min_length: int = 8) -> None:
        self.min_length = min_length

    def validate(self, password: str, user=None) -> None:  # noqa: ANN001
        if len(password) < self.min_length:
            raise ValidationError(
                f"密码太短，至少需要{self.min_length}个字符（现为{len(password)}个）",
                code="password_too_short",
            )

    def get_help_text(self) -> str:
        return f"至少{self.min_length}个字符。"


class CharacterClassValidator:
    """At least `min_classes` of: lower-case, upper-case, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:  # noqa: ANN001
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(
                f"密码须包含小写字母、大写字母、数字、符号中的至少{self.min_classes}类",
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return f"至少包含小写字母、大写字母、数字、符号中的{self.min_classes}类。"


class ContextWordValidator:
    """Refuse passwords built on words everybody in the bureau would guess (ASVS 6.2.11 context words):
    the Party bodies' names in characters and pinyin, the product's name, the user's own username, and any
    words the site adds in TAIZHANG_PASSWORD_CONTEXT_WORDS (e.g. the bureau's name)."""

    WORDS = (
        "党委",
        "党支部",
        "支部",
        "党总支",
        "党小组",
        "党员",
        "台账",
        "主题教育",
        "dangwei",
        "dangzhibu",
        "zhibu",
        "dangyuan",
        "taizhang",
        "zhuti",
        "password",
        "admin",
        "123456",
        "qwerty",
    )

    def _words(self) -> tuple[str, ...]:
        extra = tuple(w.lower() for w in getattr(settings, "TAIZHANG_PASSWORD_CONTEXT_WORDS", ()) if w)
        return self.WORDS + extra

    def validate(self, password: str, user=None) -> None:  # noqa: ANN001
        lowered = password.lower()
        for word in self._words():
            if word in lowered:
                raise ValidationError(
                    f"密码中不能包含常见词或单位相关词汇（“{word}”）", code="password_context"
                )
        username = getattr(user, "username", "") if user is not None else ""
        if username and len(username) >= 3 and username.lower() in lowered:
            raise ValidationError("密码中不能包含用户名", code="password_context")

    def get_help_text(self) -> str:
        return "不能包含用户名、单位名称或常见词（如“党委”“党支部”）。"


class PasswordHistoryValidator:
    """No reuse of the current password or the `keep` before it (checklist DJB-AUTH-01)."""

    def __init__(self, keep: int = 5) -> None:
        self.keep = keep

    def _recent_hashes(self, user) -> list[str]:  # noqa: ANN001
        if user is None or user.pk is None:
            return []
        from taizhang.accounts.models import PasswordHistory

        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[: self.keep]
        )
        from taizhang.accounts.models import User

        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        if current:
            hashes.insert(0, current)
        return hashes

    def validate(self, password: str, user=None) -> None:  # noqa: ANN001
        for encoded in self._recent_hashes(user):
            if encoded and check_password(password, encoded):
                raise ValidationError(
                    f"新密码不能与最近{self.keep}次使用过的密码相同", code="password_reused"
                )

    def password_changed(self, password: str, user=None) -> None:  # noqa: ANN001
        """Called by Django after the user is saved with a new password: keep its hash."""
        if user is None or user.pk is None or not user.password:
            return
        from taizhang.accounts.models import PasswordHistory

        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        stale = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[self.keep :]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self) -> str:
        return f"不能与最近{self.keep}次使用过的密码相同。"
