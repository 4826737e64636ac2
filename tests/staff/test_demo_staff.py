import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_demo_staff_get_one_role_each_and_their_documented_password(settings):
    settings.DEBUG = True
    call_command("create_demo_staff")
    approver = authenticate(username="approver", password="approver-demo-pass-2025")
    assert approver is not None
    assert list(approver.groups.values_list("name", flat=True)) == ["approver"]


def test_demo_staff_are_refused_outside_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refused"):
        call_command("create_demo_staff")


def test_demo_staff_get_a_confirmed_authenticator_with_the_printed_demo_secret(settings):
    import subprocess
    import sys
    from base64 import b32encode
    from io import StringIO

    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from staff.management.commands.create_demo_staff import DEMO_TOTP_SECRET

    settings.DEBUG = True
    out = StringIO()
    call_command("create_demo_staff", stdout=out)
    call_command("create_demo_staff", stdout=StringIO())  # run twice (make run): still one device each
    printed = out.getvalue()
    assert DEMO_TOTP_SECRET in printed
    devices = TOTPDevice.objects.filter(
        user__username__in=["viewer", "analyst", "approver", "approver2", "admin"]
    )
    assert devices.count() == 5
    assert all(d.confirmed and b32encode(d.bin_key).decode() == DEMO_TOTP_SECRET for d in devices)

    # The printed one-liner computes the code the sign-in accepts.
    one_liner = printed.split("\n  ", 1)[1].strip()
    python_code = one_liner.split(" -c ", 1)[1].strip().strip('"')
    code = subprocess.run(
        [sys.executable, "-c", python_code], capture_output=True, text=True, check=True
    ).stdout.strip()
    client = Client()
    client.post("/staff/login/", {"username": "analyst", "password": "analyst-demo-pass-2025"})
    response = client.post("/staff/mfa/", {"code": code, "next": "/staff/"})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
