"""API errors: the human `detail` in the client's language (Accept-Language), the `code` unchanged."""

import pytest

from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_an_error_detail_follows_the_clients_accept_language_and_its_code_does_not(api_client_for):
    spanish = client_for("rk_deadbeef_nothing").get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="es")
    english = client_for("rk_deadbeef_nothing").get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert spanish.status_code == english.status_code == 401
    assert spanish.json()["detail"] == "Ese token no es válido, venció o fue revocado."
    assert english.json()["detail"] == "That token is not valid, has expired or was revoked."
    assert spanish.json()["code"] == english.json()["code"]

    client = api_client_for("analyst")
    missing = client.get("/api/v1/requests/RN-0000-0000-0000/", HTTP_ACCEPT_LANGUAGE="es")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "No encontrado.", "code": "not_found"}
