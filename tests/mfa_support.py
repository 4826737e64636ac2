"""Signing staff in past the second factor (staff/mfa.py), for tests that are about something else."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device_for(user) -> TOTPDevice:
    """The user's confirmed authenticator, created with a random secret if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """The code the user's authenticator app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def staff_login(client: Client, user) -> Client:
    """`client.force_login(user)` plus what django_otp.login() leaves in the session: the session counts
    as verified by the user's (possibly new) authenticator."""
    device = totp_device_for(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def browser_sign_in(
    page, base_url: str, user, password: str, *, path: str = "/staff/", code: str = ""
) -> None:
    """Sign in through the staff forms in a browser: password, then `code` or the authenticator's
    current one (computed with django_otp.oath.totp, as the user's app would)."""
    code = code or totp_code(totp_device_for(user))
    page.goto(f"{base_url}{path}")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Verify").click()
