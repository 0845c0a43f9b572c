"""Password rules auditors check (等保 8.1.4.1 a): three character classes, no context words."""

from __future__ import annotations

from django.core.exceptions import ValidationError


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
    """Refuse passwords built on words everybody in the bureau would guess."""

    WORDS = ("dangwei", "dangzhibu", "taizhang", "password", "admin", "123456", "qwerty", "zhuti")

    def validate(self, password: str, user=None) -> None:  # noqa: ANN001
        lowered = password.lower()
        for word in self.WORDS:
            if word in lowered:
                raise ValidationError("密码中不能包含常见词或单位相关词汇", code="password_context")
        if user is not None and getattr(user, "username", "") and user.username.lower() in lowered:
            raise ValidationError("密码中不能包含用户名", code="password_context")

    def get_help_text(self) -> str:
        return "不能包含用户名或常见词。"
