"""API personas: one staff user per role, each with a bearer token, and clients that send it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from rest_framework.test import APIClient

from api.services import api_token_create, api_token_revoke
from staff.permissions import Role

ROLES = {"viewer": Role.VIEWER, "analyst": Role.ANALYST, "approver": Role.APPROVER, "admin": Role.ADMIN}


def _user(username: str, role: Role | None) -> User:
    user = User.objects.create_user(username=username, email=f"{username}@rakunest.example", password="x")
    if role is not None:
        user.groups.add(Group.objects.get(name=role))
    return user


def client_for(secret: str | None) -> APIClient:
    client = APIClient()
    if secret is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def api_user(db):
    """api_user("analyst") -> (user, APIClient with a fresh token)."""

    def make(role_name: str):
        user = _user(f"api_{role_name}", ROLES.get(role_name))
        created = api_token_create(user=user, name=f"{role_name} tests")
        return user, client_for(created.secret)

    return make


@pytest.fixture
def api_client_for(db):
    """api_client_for(persona) -> APIClient: a role name, "norole", "anonymous", "expired" or "revoked"."""

    def make(persona: str) -> APIClient:
        if persona == "anonymous":
            return client_for(None)
        user = _user(
            f"api_{persona}", ROLES.get(persona, Role.ADMIN if persona in ("expired", "revoked") else None)
        )
        created = api_token_create(user=user, name=persona)
        if persona == "expired":
            created.token.expires_at = timezone.now() - timedelta(seconds=1)
            created.token.save(update_fields=["expires_at"])
        elif persona == "revoked":
            api_token_revoke(token=created.token)
        return client_for(created.secret)

    return make
