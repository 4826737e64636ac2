"""Staff MFA (staff/mfa.py): enrolment, the second step at sign-in, recovery codes, the admin, who is
asked and who may see the pages."""

import re
from base64 import b32encode
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from staff import mfa
from staff.models import StaffEvent
from tests.mfa_support import staff_login, totp_code, totp_device_for

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # noqa: S105
QUEUE = "/staff/"
MFA = "/staff/mfa/"
ENROL = "/staff/mfa/enrol/"
RECOVERY = "/staff/mfa/recovery-codes/"


def _password_login(user: User, next_url: str = "") -> tuple[Client, str]:
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    url = reverse("staff:login") + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"username": user.username, "password": PASSWORD, "next": next_url})
    assert response.status_code == 302
    return client, response["Location"]


def _secret_on(page: str) -> str:
    return re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def _later(seconds: int = 5):
    """Past django-otp's throttle after one wrong code (1 s, doubling with each further failure)."""
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=False)


def _recovery_codes(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]+)</code></li>", page)


# --- Who is asked ---------------------------------------------------------------------------------
def test_mfa_is_required_for_personal_data_roles_superusers_and_admin_users_but_not_viewers(
    viewer, analyst, approver, admin_user, no_role_user, staff_user_factory
):
    superuser = User.objects.create_superuser("root", "root@rakunest.example", PASSWORD)
    admin_only_viewer = staff_user_factory("vic_viewer", "viewer")
    admin_only_viewer.is_staff = True
    assert [mfa.mfa_required(u) for u in (analyst, approver, admin_user, superuser)] == [True] * 4
    assert mfa.mfa_required(admin_only_viewer)  # may use /admin/: asked, whatever the role
    assert not mfa.mfa_required(viewer)
    assert not mfa.mfa_required(no_role_user)


def test_a_viewer_signs_in_with_a_password_alone(viewer):
    client, location = _password_login(viewer)
    assert location == QUEUE
    assert client.get(QUEUE).status_code == 200
    assert not TOTPDevice.objects.filter(user=viewer).exists()


# --- Enrolment ------------------------------------------------------------------------------------
def test_an_analyst_without_an_authenticator_is_sent_to_enrol_after_the_password(analyst):
    client, location = _password_login(analyst)
    assert location == f"{MFA}?next=%2Fstaff%2F"
    response = client.get(location)
    assert response.status_code == 302 and response["Location"] == f"{ENROL}?next=%2Fstaff%2F"
    # Every staff page sends the unverified session back to the second step.
    response = client.get(reverse("staff:metrics"))
    assert response["Location"] == f"{MFA}?next=%2Fstaff%2Fmetrics%2F"


def test_the_enrolment_page_shows_the_secret_and_an_otpauth_uri_and_keeps_them_on_reload(analyst):
    client, _ = _password_login(analyst)
    response = client.get(ENROL)
    page = response.content.decode()
    secret = _secret_on(page)
    assert len(secret) == 32  # 160 bits, base32
    assert "otpauth://totp/RakuNest%20Privacy%3Aana_analyst?secret=" + secret in page
    assert "&amp;issuer=RakuNest%20Privacy" in page
    assert "<svg" in page  # the QR code, inline
    assert response["Cache-Control"] == "no-store"
    assert _secret_on(client.get(ENROL).content.decode()) == secret
    assert TOTPDevice.objects.filter(user=analyst).count() == 1


def test_a_wrong_enrolment_code_is_refused_with_a_clear_message_and_the_right_one_confirms(analyst):
    client, _ = _password_login(analyst)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=analyst)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"

    response = client.post(ENROL, {"code": wrong, "next": QUEUE})
    assert response.status_code == 200
    assert "That code is not right. Type the 6-digit code your app shows now." in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(QUEUE)["Location"].startswith(MFA)

    with _later():
        response = client.post(ENROL, {"code": totp_code(device), "next": QUEUE})
        assert response.status_code == 200
        codes = _recovery_codes(response.content.decode())
        assert len(codes) == 10 and len(set(codes)) == 10
        assert response["Cache-Control"] == "no-store"
        device.refresh_from_db()
        assert device.confirmed
        assert client.get(QUEUE).status_code == 200  # this session is verified
    names = list(StaffEvent.objects.filter(actor=analyst).values_list("name", flat=True))
    assert names == ["staff.mfa.enrolment_started", "staff.mfa.failed", "staff.mfa.enrolled"]


def test_an_unverified_session_cannot_enrol_a_second_authenticator(analyst):
    """A stolen password must not be enough to add the thief's own device."""
    totp_device_for(analyst)
    client, _ = _password_login(analyst)
    response = client.get(ENROL)
    assert response.status_code == 302 and response["Location"].startswith(MFA)
    assert client.post(ENROL, {"code": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=analyst).count() == 1


# --- The second step at sign-in ---------------------------------------------------------------------
def test_sign_in_asks_for_the_code_and_a_right_one_goes_on_to_the_page_asked_for(analyst):
    device = totp_device_for(analyst)
    client, location = _password_login(analyst, next_url="/staff/metrics/")
    assert location == f"{MFA}?next=%2Fstaff%2Fmetrics%2F"
    page = client.get(location).content.decode()
    assert "Enter your sign-in code" in page
    response = client.post(MFA, {"code": totp_code(device), "next": "/staff/metrics/"})
    assert response.status_code == 302 and response["Location"] == "/staff/metrics/"
    assert client.get(QUEUE).status_code == 200
    event = StaffEvent.objects.get(name="staff.mfa.verified")
    assert event.actor == analyst and event.data == {"method": "totp"}


def test_a_wrong_sign_in_code_is_refused_and_the_next_try_waits_for_the_throttle(analyst):
    device = totp_device_for(analyst)
    client, _ = _password_login(analyst)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(MFA, {"code": wrong})
    assert "That code is not right, or it was already used." in response.content.decode()
    # Right away, even the right code is refused: django-otp's throttle is on.
    response = client.post(MFA, {"code": totp_code(device)})
    assert "Too many wrong codes. Wait a minute, then try again." in response.content.decode()
    assert client.get(QUEUE)["Location"].startswith(MFA)
    with _later():
        assert client.post(MFA, {"code": totp_code(device)}).status_code == 302
        assert client.get(QUEUE).status_code == 200
    failures = StaffEvent.objects.filter(name="staff.mfa.failed")
    assert [e.data["throttled"] for e in failures] == [False, True]


def test_a_sign_in_code_cannot_be_used_twice(analyst):
    device = totp_device_for(analyst)
    code = totp_code(device)
    first, _ = _password_login(analyst)
    assert first.post(MFA, {"code": code}).status_code == 302
    second, _ = _password_login(analyst)
    assert second.post(MFA, {"code": code}).status_code == 200
    assert second.get(QUEUE)["Location"].startswith(MFA)


def test_the_second_step_ignores_a_next_url_on_another_site(analyst):
    device = totp_device_for(analyst)
    client, _ = _password_login(analyst)
    response = client.post(MFA, {"code": totp_code(device), "next": "https://evil.example/staff/"})
    assert response["Location"] == QUEUE


# --- Recovery codes ---------------------------------------------------------------------------------
def _enrolled_with_codes(user: User) -> tuple[TOTPDevice, list[str]]:
    client, _ = _password_login(user)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user)
    codes = _recovery_codes(client.post(ENROL, {"code": totp_code(device)}).content.decode())
    assert len(codes) == 10
    return device, codes


def test_a_recovery_code_signs_in_once(analyst):
    _device, codes = _enrolled_with_codes(analyst)
    client, _ = _password_login(analyst)
    response = client.post(MFA, {"code": f" {codes[0].upper()} "})  # as typed from a printout
    assert response.status_code == 302 and response["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200
    event = StaffEvent.objects.filter(name="staff.mfa.verified").last()
    assert event.data == {"method": "recovery_code", "recovery_codes_left": 9}

    again, _ = _password_login(analyst)
    response = again.post(MFA, {"code": codes[0]})
    assert "That code is not right, or it was already used." in response.content.decode()
    assert again.get(QUEUE)["Location"].startswith(MFA)


def test_regenerating_recovery_codes_needs_a_current_code_and_voids_the_old_ones(analyst):
    device, old = _enrolled_with_codes(analyst)
    client = staff_login(Client(), analyst)
    assert "Make new recovery codes" in client.get(RECOVERY).content.decode()
    response = client.post(RECOVERY, {"code": "000000" if totp_code(device) != "000000" else "111111"})
    assert "That code is not right." in response.content.decode()
    assert StaticToken.objects.filter(device__user=analyst).count() == 10
    with _later(40):  # the next time step: the enrolment code may not be used again
        response = client.post(RECOVERY, {"code": totp_code(device)})
    new = _recovery_codes(response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.filter(device__user=analyst).values_list("token", flat=True)) == set(new)
    assert StaffEvent.objects.filter(name="staff.mfa.recovery_codes_regenerated", actor=analyst).exists()


def test_mfa_events_hold_no_code_secret_or_key(analyst, caplog):
    caplog.set_level("DEBUG")
    device, codes = _enrolled_with_codes(analyst)
    client, _ = _password_login(analyst)
    client.post(MFA, {"code": "999999"})
    client.post(MFA, {"code": codes[1]})
    stored = " ".join(str(e.data) + e.name + e.actor_label for e in StaffEvent.objects.all())
    assert {"staff.mfa.enrolled", "staff.mfa.failed", "staff.mfa.verified"} <= set(
        StaffEvent.objects.values_list("name", flat=True)
    )
    secret = b32encode(device.bin_key).decode()
    for value in [*codes, "999999", device.key, secret]:
        assert value not in stored
        assert value not in caplog.text


# --- Who may see the pages -------------------------------------------------------------------------
@pytest.mark.parametrize("url", [MFA, ENROL, RECOVERY])
def test_the_mfa_pages_need_a_signed_in_user(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


@pytest.mark.parametrize("url", [MFA, ENROL])
def test_the_second_step_pages_send_users_who_are_not_asked_or_already_verified_on(
    url, viewer, analyst, no_role_user
):
    assert staff_login(Client(), analyst).get(url)["Location"] == QUEUE
    viewer_client = Client()
    viewer_client.force_login(viewer)
    assert viewer_client.get(url)["Location"] == QUEUE
    no_role = Client()
    no_role.force_login(no_role_user)
    assert no_role.get(url)["Location"] == QUEUE
    assert no_role.get(QUEUE).status_code == 403


def test_the_recovery_codes_page_is_for_verified_staff_who_use_mfa(viewer, analyst, no_role_user):
    unverified = Client()
    unverified.force_login(analyst)
    assert unverified.get(RECOVERY)["Location"] == f"{MFA}?next=%2Fstaff%2Fmfa%2Frecovery-codes%2F"
    viewer_client = Client()
    viewer_client.force_login(viewer)
    assert viewer_client.get(RECOVERY).status_code == 403
    no_role = Client()
    no_role.force_login(no_role_user)
    assert no_role.get(RECOVERY).status_code == 403
    assert staff_login(Client(), analyst).get(RECOVERY).status_code == 200


def test_the_nav_links_to_recovery_codes_only_for_a_verified_session(analyst, viewer):
    assert RECOVERY in staff_login(Client(), analyst).get(QUEUE).content.decode()
    viewer_client = Client()
    viewer_client.force_login(viewer)
    assert RECOVERY not in viewer_client.get(QUEUE).content.decode()


def test_the_idle_timeout_applies_to_the_second_step_too(analyst, settings):
    totp_device_for(analyst)
    client, location = _password_login(analyst)
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.STAFF_IDLE_MINUTES + 1)):
        response = client.get(location)
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


# --- The Django admin -------------------------------------------------------------------------------
def test_the_admin_refuses_a_session_without_the_second_factor(admin_user):
    admin_user.is_staff = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    response = client.get("/admin/", follow=True)
    assert [url for url, _status in response.redirect_chain] == [
        "/admin/login/?next=/admin/",
        f"{MFA}?next=%2Fadmin%2F",
        f"{ENROL}?next=%2Fadmin%2F",  # no authenticator yet
    ]
    assert client.get("/admin/staff/denialreasontemplate/").status_code == 302


def test_the_admin_opens_for_a_verified_admin_and_its_login_goes_through_staff_sign_in(client, admin_user):
    admin_user.is_staff = True
    admin_user.save()
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/staff/login/?next=%2Fadmin%2F"
    device = totp_device_for(admin_user)
    client, location = _password_login(admin_user, next_url="/admin/")
    response = client.post(MFA, {"code": totp_code(device), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_verified_user_who_is_not_admin_staff_is_refused_by_the_admin(analyst):
    client = staff_login(Client(), analyst)
    assert client.get("/admin/login/").status_code == 403


def test_an_admin_can_delete_a_lost_authenticator_but_never_see_its_key_or_add_one(admin_user, analyst):
    admin_user.is_staff = True
    admin_user.save()
    lost = totp_device_for(analyst)
    admin = staff_login(Client(), admin_user)
    listing = admin.get("/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200 and "ana_analyst" in listing.content.decode()
    page = admin.get(f"/admin/otp_totp/totpdevice/{lost.pk}/change/").content.decode()
    assert lost.key not in page and b32encode(lost.bin_key).decode() not in page
    assert admin.get(f"/admin/otp_totp/totpdevice/{lost.pk}/qrcode/").status_code == 403
    assert admin.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    response = admin.post(f"/admin/otp_totp/totpdevice/{lost.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=lost.pk).exists()
    # The analyst enrols again at the next sign-in.
    client, location = _password_login(analyst)
    assert client.get(location)["Location"].startswith(ENROL)


def test_an_admin_reads_mfa_events_in_the_admin_and_cannot_change_them(admin_user, analyst):
    admin_user.is_staff = True
    admin_user.save()
    event = mfa.staff_event_record(name="staff.mfa.verified", actor=analyst, data={"method": "totp"})
    admin = staff_login(Client(), admin_user)
    listing = admin.get("/admin/staff/staffevent/")
    assert listing.status_code == 200 and "staff:ana_analyst" in listing.content.decode()
    assert admin.get("/admin/staff/staffevent/add/").status_code == 403
    assert admin.post(f"/admin/staff/staffevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert StaffEvent.objects.filter(pk=event.pk).exists()
