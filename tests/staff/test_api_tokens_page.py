"""The staff page for API tokens: admins list, create (the secret shown once) and revoke; every action is
audited; nobody else may see it."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from api.models import ApiToken
from api.services import api_token_authenticate, api_token_create, token_hash
from staff.models import StaffEvent
from staff.permissions import ROLE_ACTIONS, Action, Role

from .conftest import signed_in

pytestmark = pytest.mark.django_db
PAGE = reverse("api_staff:tokens")


@pytest.fixture
def admin_client(admin_user) -> Client:
    return signed_in(admin_user)


@pytest.fixture
def service_account(staff_user_factory):
    return staff_user_factory("ticketing_sync", Role.ANALYST)


def events(name: str) -> list[StaffEvent]:
    return list(StaffEvent.objects.filter(name=name))


def test_an_admin_creates_a_token_for_a_service_account_and_sees_the_secret_once(
    admin_client, admin_user, service_account
):
    response = admin_client.post(PAGE, {"name": "ticketing sync", "owner": service_account.pk, "days": 30})

    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    secret = re.search(r"<code>(rk_[^<]+)</code>", response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.secret_hash) == (
        service_account,
        "ticketing sync",
        token_hash(secret),
    )
    assert api_token_authenticate(secret=secret) == token  # it works at once
    assert secret not in admin_client.get(PAGE + "?scope=all").content.decode()  # and is never shown again
    [created] = events("api.token.created")
    assert created.actor == admin_user and created.data == {
        "token": token.prefix,
        "owner_id": service_account.pk,
        "days": 30,
    }
    assert secret not in str(created.data) and token.secret_hash not in str(created.data)


def test_the_list_shows_own_or_all_tokens_with_their_dates_and_the_look_is_audited(
    admin_client, admin_user, service_account
):
    mine = api_token_create(user=admin_user, name="my script").token
    theirs = api_token_create(user=service_account, name="ticketing sync").token

    own = admin_client.get(PAGE).content.decode()
    everyone = admin_client.get(PAGE + "?scope=all").content.decode()

    assert mine.prefix in own and theirs.prefix not in own
    assert mine.prefix in everyone and theirs.prefix in everyone and "ticketing_sync" in everyone
    assert "never" in everyone  # last used
    assert [e.data["scope"] for e in events("api.token.listed")] == ["own", "all"]


def test_an_admin_revokes_a_token_and_it_stops_working(admin_client, admin_user, service_account):
    created = api_token_create(user=service_account, name="ticketing sync")

    response = admin_client.post(reverse("api_staff:revoke", args=[created.token.prefix]))

    assert response.status_code == 302 and response["Location"] == PAGE
    created.token.refresh_from_db()
    assert created.token.revoked_at is not None and api_token_authenticate(secret=created.secret) is None
    [revoked] = events("api.token.revoked")
    assert revoked.actor == admin_user and revoked.data["token"] == created.token.prefix
    assert admin_client.post(reverse("api_staff:revoke", args=["nosuch00"])).status_code == 404


def test_a_bad_expiry_or_a_missing_name_is_a_clear_message_and_creates_nothing(admin_client, admin_user):
    response = admin_client.post(PAGE, {"name": "", "owner": admin_user.pk, "days": 400})

    page = response.content.decode()
    assert response.status_code == 200 and not ApiToken.objects.exists()
    assert "Name the token (what it is for)." in page and "between 1 and 365 days" in page
    assert events("api.token.created") == []


@pytest.mark.parametrize("role", list(Role))
def test_who_may_see_and_use_the_api_tokens_page(role, staff_user_factory, admin_user):
    user = staff_user_factory(f"tokens_{role}", role)
    token = api_token_create(user=admin_user, name="someone's").token
    client = signed_in(user)
    allowed = Action.MANAGE_API_TOKENS in ROLE_ACTIONS[role]

    assert client.get(PAGE).status_code == (200 if allowed else 403)
    client.post(PAGE, {"name": "mine", "owner": user.pk, "days": 30})
    client.post(reverse("api_staff:revoke", args=[token.prefix]))

    token.refresh_from_db()
    assert ApiToken.objects.filter(name="mine").exists() == allowed
    assert (token.revoked_at is not None) == allowed
    assert role == Role.ADMIN or not allowed  # admins only


def test_strangers_are_sent_to_the_login_and_users_without_a_role_refused(client, no_role_user, admin_user):
    token = api_token_create(user=admin_user, name="someone's").token
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    assert client.post(reverse("api_staff:revoke", args=[token.prefix])).status_code == 302
    assert signed_in(no_role_user).get(PAGE).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_admin_who_has_not_passed_the_second_factor_is_sent_to_it(admin_user):
    client = Client()
    client.force_login(admin_user)
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:mfa"))
