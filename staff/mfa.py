"""Staff multi-factor authentication: TOTP (django-otp) with single-use recovery codes.

Who needs it: everyone who can see personal data (a role holding VIEW_PERSONAL_DATA, superusers) and
everyone who may use the Django admin (is_staff). The viewer role sees the queue, request pages without
the requester's details, and counts: nothing a password alone should not open, so it is not asked.

The check is made in one place, `staff.views.staff_view` (every staff page passes it) and in the admin
site (`staff.admin_site`). Wrong codes are throttled per device by django-otp (each failure doubles the
wait). Every enrolment, verification, failure and regeneration is a StaffEvent; no code, secret or key
is ever written to an event or a log.
"""

import logging
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .exceptions import StaffError
from .models import StaffEvent
from .permissions import Action, user_actions

logger = logging.getLogger(__name__)

TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery codes"


def mfa_required(user) -> bool:
    """Whether `user` must pass a second factor before any staff page or the admin."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or user.is_staff or Action.VIEW_PERSONAL_DATA in user_actions(user)


def totp_device_confirmed(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def staff_event_record(*, name: str, actor, data: dict | None = None) -> StaffEvent:
    return StaffEvent.objects.create(
        name=name, actor=actor, actor_label=f"staff:{actor.get_username()}", data=data or {}
    )


def _throttled(device) -> bool:
    allowed, _info = device.verify_is_allowed()
    return not allowed


def _clean(token: str) -> str:
    return "".join(token.split()).lower()


def totp_enrolment_start(*, user) -> TOTPDevice:
    """The user's unconfirmed authenticator, created on first call: reloading the page keeps the secret."""
    with transaction.atomic():
        if totp_device_confirmed(user) is not None:
            raise StaffError(_("You already have an authenticator app set up."), code="enrolled")
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False, name=TOTP_DEVICE_NAME)
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
            staff_event_record(name="staff.mfa.enrolment_started", actor=user)
    return device


def totp_setup_details(device: TOTPDevice) -> dict[str, str | SafeString]:
    """What the enrolment page shows: the base32 secret in groups of four, the otpauth:// URI and a QR
    code of it as inline SVG (no image request, nothing sent elsewhere)."""
    secret = b32encode(device.bin_key).decode()
    svg = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return {
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "otpauth_url": device.config_url,
        "qr_svg": mark_safe(svg.to_string(encoding="unicode")),  # noqa: S308 - qrcode's own markup of our URI
    }


def _recovery_codes_replace(*, user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.STAFF_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _totp_refusal(*, user, device: TOTPDevice, token: str, step: str) -> StaffError | None:
    """None if `token` is a current code of the locked `device`; otherwise the error to raise once the
    caller's transaction has committed (django-otp has counted the failure for its throttle)."""
    throttled = _throttled(device)
    if not throttled and device.verify_token(_clean(token)):
        return None
    staff_event_record(name="staff.mfa.failed", actor=user, data={"step": step, "throttled": throttled})
    if throttled:
        return StaffError(_("Too many wrong codes. Wait a minute, then try again."), code="throttled")
    return StaffError(
        _("That code is not right. Type the 6-digit code your app shows now."), code="wrong_code"
    )


def totp_enrolment_confirm(*, request, token: str) -> list[str]:
    """Confirm the pending authenticator with a current code, mark the session verified, and return the
    new recovery codes (shown once). A wrong code raises StaffError."""
    user = request.user
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False, name=TOTP_DEVICE_NAME)
            .first()
        )
        if device is None:
            raise StaffError(_("Start again: open the set-up page to get a new secret."), code="no_device")
        error = _totp_refusal(user=user, device=device, token=token, step="enrol")
        if error is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _recovery_codes_replace(user=user)
            staff_event_record(name="staff.mfa.enrolled", actor=user, data={"recovery_codes": len(codes)})
    # Raised after the commit: the failure's throttle count and event must not be rolled back.
    if error is not None:
        raise error
    otp_login(request, device)
    logger.info("staff user %s enrolled an authenticator", user.pk)
    return codes


def mfa_verify(*, request, token: str) -> None:
    """Mark the session verified with a code from the authenticator app or an unused recovery code.

    A 6-digit code is tried against the authenticator, anything else against the recovery codes (each
    used code is deleted by django-otp). A wrong or throttled code raises StaffError."""
    user = request.user
    token = _clean(token)
    method = "totp" if token.isdigit() else "recovery_code"
    with transaction.atomic():
        if method == "totp":
            device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        else:
            device = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            verified, throttled = False, False
        elif _throttled(device):
            verified, throttled = False, True
        else:
            verified, throttled = device.verify_token(token), False
        if not verified:
            staff_event_record(
                name="staff.mfa.failed",
                actor=user,
                data={"step": "sign_in", "method": method, "throttled": throttled},
            )
    if throttled:
        raise StaffError(_("Too many wrong codes. Wait a minute, then try again."), code="throttled")
    if not verified:
        raise StaffError(_("That code is not right, or it was already used."), code="wrong_code")
    data = {"method": method}  # how many recovery codes are left, never which
    if method == "recovery_code":
        data["recovery_codes_left"] = device.token_set.count()
    staff_event_record(name="staff.mfa.verified", actor=user, data=data)
    otp_login(request, device)


def recovery_codes_regenerate(*, user, token: str) -> list[str]:
    """New recovery codes for `user` (the old ones stop working), against a current authenticator code."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is None:
            raise StaffError(_("Set up an authenticator app first."), code="no_device")
        error = _totp_refusal(user=user, device=device, token=token, step="regenerate")
        if error is None:
            codes = _recovery_codes_replace(user=user)
            staff_event_record(
                name="staff.mfa.recovery_codes_regenerated", actor=user, data={"recovery_codes": len(codes)}
            )
    if error is not None:
        raise error
    return codes
