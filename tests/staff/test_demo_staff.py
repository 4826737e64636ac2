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
