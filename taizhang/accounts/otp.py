"""The second factor (等保 8.1.4.1 d: a cryptographic technique besides the password): TOTP through
django-otp, which works on an isolated intranet, plus static backup codes.

The QR code is drawn here (qrcode → SVG → data: URI), never by an outside service: the secret must not
leave the server except to the user's own screen.
"""

from __future__ import annotations

import base64
from typing import Any

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from taizhang.accounts.access import require_manages
from taizhang.core.audit import audit

BACKUP_CODES = 10


def pending_device(user: Any) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled (one per user, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)
    return device


def qr_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode("ascii")


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


@transaction.atomic
def confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the enrolment with a first code; returns fresh backup codes, or None for a wrong code."""
    if not device.verify_token(token):
        audit("otp", obj=device.user, success=False, detail={"step": "enrol"})
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    StaticDevice.objects.filter(user=device.user).delete()
    static = StaticDevice.objects.create(user=device.user, name="备用码", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    audit("otp", obj=device.user, detail={"step": "enrol"})
    return codes


def reset(*, user: Any, actor: Any) -> int:
    """An administrator removes a lost authenticator after checking the person's identity (ASVS 6.4.4);
    only on an account he manages (issue 16 F1)."""
    from taizhang.accounts.services import sessions_end

    require_manages(actor, user)
    with transaction.atomic():
        removed = (
            TOTPDevice.objects.filter(user=user).delete()[0]
            + StaticDevice.objects.filter(user=user).delete()[0]
        )
        sessions_end(user=user)
        audit("otp", obj=user, user=actor, detail={"step": "reset"})
    return removed
