"""A request keeps the language it was made in: every later message to the requester uses it, whoever
triggers the message (here a staff member whose own session is in English)."""

import pytest
from django.urls import reverse

from requests_app.models import PrivacyRequest, Submission

pytestmark = pytest.mark.django_db


def test_a_spanish_request_gets_spanish_emails_even_when_an_english_speaking_analyst_acts_on_it(
    client, analyst_client, valid_form_data, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("requests_app:request_new"), valid_form_data, HTTP_ACCEPT_LANGUAGE="es")
    submission = Submission.objects.get()
    assert submission.language == "es"
    acknowledgement, code = outbox
    assert acknowledgement.subject.startswith("Recibimos sus solicitudes de privacidad (RN-")
    assert "Hola, Maya:" in acknowledgement.body
    assert "Equipo de Privacidad de RakuNest" in acknowledgement.alternatives[0][0]
    assert '<html lang="es">' in acknowledgement.alternatives[0][0]
    assert "Para confirmar sus solicitudes de privacidad" in code.body

    privacy_request = PrivacyRequest.objects.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(
            reverse("staff:request_action", args=[privacy_request.reference, "request-info"]),
            {"message": "Which location do you use?", "confirm": "on"},
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )
    assert response.status_code == 200
    question = outbox[2]
    assert question.to == ["maya.chen@example.com"]
    assert question.subject == (
        f"Su solicitud de privacidad {privacy_request.reference}: una pregunta de nuestro equipo de privacidad"
    )
    assert "necesitamos algo de usted" in question.body
    assert "Which location do you use?" in question.body  # the analyst's own words, as written
    assert "we need something from you" not in question.body


def test_an_english_request_still_gets_english_emails(
    client, valid_form_data, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("requests_app:request_new"), valid_form_data, HTTP_ACCEPT_LANGUAGE="en")
    assert Submission.objects.get().language == "en"
    assert outbox[0].subject.startswith("We received your privacy requests (RN-")
