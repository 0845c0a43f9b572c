"""Model fields shared by the apps."""

from __future__ import annotations

from django.db import models

from taizhang.core import crypto


class EncryptedCharField(models.TextField):
    """Stores a Fernet token, exposes the plaintext. Cannot be filtered on: pair it with a digest field."""

    def from_db_value(self, value, expression, connection):  # noqa: ANN001
        if value is None:
            return value
        return crypto.decrypt(value)

    def to_python(self, value):  # noqa: ANN001
        if value is None or not isinstance(value, str):
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):  # noqa: ANN001
        value = super().get_prep_value(value)
        if value is None:
            return value
        return crypto.encrypt(str(value))
