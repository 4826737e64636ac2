"""Staff personas: one user per role (and a second approver for four-eyes), each with a signed-in client."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from staff.permissions import Role
from tests.mfa_support import staff_login


def _staff_user(username: str, role: Role | None) -> User:
    user = User.objects.create_user(username=username, email=f"{username}@rakunest.example", password="x")
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def viewer(db) -> User:
    return _staff_user("vera_viewer", Role.VIEWER)


@pytest.fixture
def analyst(db) -> User:
    return _staff_user("ana_analyst", Role.ANALYST)


@pytest.fixture
def approver(db) -> User:
    return _staff_user("april_approver", Role.APPROVER)


@pytest.fixture
def second_approver(db) -> User:
    return _staff_user("bob_approver", Role.APPROVER)


@pytest.fixture
def admin_user(db) -> User:
    return _staff_user("ada_admin", Role.ADMIN)


@pytest.fixture
def no_role_user(db) -> User:
    return _staff_user("nora_norole", None)


@pytest.fixture
def staff_user_factory(db):
    return _staff_user


def signed_in(user: User) -> Client:
    """A client signed in as `user`, past the second factor (tests/mfa_support.py)."""
    return staff_login(Client(), user)


@pytest.fixture
def approver_client(approver) -> Client:
    return signed_in(approver)


@pytest.fixture
def analyst_client(analyst) -> Client:
    return signed_in(analyst)


@pytest.fixture
def viewer_client(viewer) -> Client:
    return signed_in(viewer)
