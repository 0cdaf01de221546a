"""Two-step sign-in for staff: an authenticator app (TOTP, django-otp) and ten single-use recovery codes.

A person with a confirmed authenticator cannot sign in with the password alone: ``accounts.views``
asks for a code after the password and only then signs them in. Setting up is two steps: a new,
unconfirmed authenticator (shown as a QR code), then a code from the app confirms it, and only then
are the recovery codes made and shown, once.
"""

from __future__ import annotations

import base64
import re

import segno
from django.db import transaction
from django.dispatch import Signal
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"

two_factor_changed = Signal()  # sender=None, request, user, enabled (bool): for the audit log


def has_two_factor(user) -> bool:
    """Whether signing in needs a code after the password."""
    return user_has_device(user, confirmed=True)


def authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def start_setup(user) -> TOTPDevice:
    """A new authenticator waiting for its first code; an earlier unfinished one is dropped."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def pending_setup(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as an SVG QR code (an <img> data URI, which the CSP allows)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def secret_for_typing(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for apps that cannot scan."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def confirm_setup(user, code: str, *, request=None) -> list[str] | None:
    """Confirm the pending authenticator with a code from it. Returns the new recovery codes (to show
    once), or ``None`` when the code is wrong or nothing is pending."""
    device = pending_setup(user)
    if device is None or not device.verify_token(normalize_code(code)):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_recovery_codes(user)
    two_factor_changed.send(sender=None, request=request, user=user, enabled=True)
    return codes


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Ten fresh single-use codes; the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def disable(user, *, request=None) -> None:
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    two_factor_changed.send(sender=None, request=request, user=user, enabled=False)


def verify_code(user, code: str):
    """The device that accepts ``code`` (an authenticator code, or a recovery code, which is then used
    up), or ``None``. django-otp also slows down repeated wrong codes per device."""
    code = normalize_code(code)
    if not code:
        return None
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


def normalize_code(code: str) -> str:
    """Codes as people type them: spaces and dashes dropped, recovery codes in any case."""
    return re.sub(r"[\s-]", "", code or "").lower()[:16]
