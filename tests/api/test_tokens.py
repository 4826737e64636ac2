"""API tokens: hashed at rest, shown once, expiring, revocable, every use audited."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from api.exceptions import ApiError
from api.models import ApiToken, ApiTokenUse
from api.services import api_token_create, token_hash
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_secret_is_never_stored_in_clear_only_its_sha256(api_user):
    user, _client = api_user("analyst")
    created = api_token_create(user=user, name="ticketing")
    row = ApiToken.objects.get(pk=created.token.pk)
    stored = [str(getattr(row, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert created.secret not in " ".join(stored)
    assert created.secret.split("_", 2)[2] not in " ".join(stored)
    assert row.secret_hash == token_hash(created.secret)


def test_a_token_expires_after_90_days_by_default_and_at_most_365(api_user):
    user, _client = api_user("analyst")
    created = api_token_create(user=user, name="x")
    assert created.token.expires_at - created.token.created_at == timedelta(days=90)
    with pytest.raises(ApiError):
        api_token_create(user=user, name="x", days=366)
    with pytest.raises(ApiError):
        api_token_create(user=user, name="x", days=0)


@pytest.mark.parametrize("persona", ["anonymous", "expired", "revoked"])
def test_no_expired_or_revoked_token_gets_401_with_json(api_client_for, persona):
    response = api_client_for(persona).get("/api/v1/me/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_or_malformed_token_gets_401(db):
    assert client_for("rk_deadbeef_nothing").get("/api/v1/me/").status_code == 401
    assert client_for("rk_a b").get("/api/v1/me/").status_code == 401
    assert client_for("not-even-ours").get("/api/v1/me/").status_code == 401


def test_a_token_of_a_deactivated_user_gets_401(api_user):
    user, client = api_user("admin")
    user.is_active = False
    user.save()
    assert client.get("/api/v1/me/").status_code == 401


def test_every_use_is_audited_with_token_method_and_path_but_not_the_query_string(api_user):
    user, client = api_user("viewer")
    assert client.get("/api/v1/me/?email=maya.chen@example.com").status_code == 200
    use = ApiTokenUse.objects.get()
    assert use.token.user == user and use.method == "GET" and use.path == "/api/v1/me/"
    assert ApiToken.objects.get(user=user).last_used_at is not None


def test_me_says_what_the_role_allows(api_user):
    _user, client = api_user("viewer")
    body = client.get("/api/v1/me/").json()
    assert body["username"] == "api_viewer"
    assert "view_queue" in body["actions"] and "view_personal_data" not in body["actions"]


def test_the_command_shows_the_secret_once_and_refuses_users_without_a_role(api_user, django_user_model):
    user, _client = api_user("analyst")
    out = StringIO()
    call_command("api_token_create", user.username, "--name", "crm", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    assert client_for(secret).get("/api/v1/me/").status_code == 200
    django_user_model.objects.create_user(username="nobody", password="x")
    with pytest.raises(CommandError, match="no staff role"):
        call_command("api_token_create", "nobody", "--name", "crm", stdout=StringIO())


def test_the_revoke_command_ends_a_token_at_once(api_user):
    user, client = api_user("analyst")
    token = ApiToken.objects.get(user=user)
    call_command("api_token_revoke", token.prefix, stdout=StringIO())
    assert client.get("/api/v1/me/").status_code == 401
    assert ApiToken.objects.get(pk=token.pk).revoked_at <= timezone.now()


def test_a_path_with_control_characters_is_audited_escaped(api_user):
    _user, client = api_user("viewer")
    assert client.get("/api/v1/requests/%00x/").status_code == 404
    assert ApiTokenUse.objects.get().path == "/api/v1/requests/%00x/"
