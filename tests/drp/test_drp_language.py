"""DRP messages meant for people, in a language: a refusal in the Accept-Language of the agent's call; a
request's `processing_details` (and its e-mails) in the language kept on the request, which is the
Accept-Language of the exercise call. Machine fields (`code`, `status`, `reason`) stay the spec's."""

import pytest
from django.test import Client

from requests_app.models import PrivacyRequest
from tests.drp.test_drp import load_directory, submit
from tests.drp_agent import DjangoTransport, DrpTestAgent
from tests.requests_app.flow_helpers import maya_consumer

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish_agent(tmp_path):
    agent = DrpTestAgent(DjangoTransport(Client(HTTP_ACCEPT_LANGUAGE="es")))
    load_directory(tmp_path, agent)
    assert agent.setup()[0] == 200
    return agent


def test_a_refusal_is_in_the_language_of_the_call(spanish_agent, django_capture_on_commit_callbacks):
    assert submit(spanish_agent, django_capture_on_commit_callbacks, "profiling:opt-out")[1] == {
        "code": "400",
        "message": "Se enviaron acciones de derechos no admitidas.",
    }
    spanish_agent.transport.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert submit(spanish_agent, django_capture_on_commit_callbacks, "profiling:opt-out")[1] == {
        "code": "400",
        "message": "Unsupported rights actions submitted.",
    }


def test_a_spanish_exercise_keeps_spanish_for_its_status_and_the_consumers_email(
    spanish_agent, outbox, django_capture_on_commit_callbacks
):
    maya_consumer()
    status, data, _ = submit(spanish_agent, django_capture_on_commit_callbacks, "access")
    assert status == 200, data
    request = PrivacyRequest.objects.get()
    assert request.submission.language == "es"
    [confirmation] = outbox  # to the consumer, at the address on record
    assert (
        confirmation.subject
        == "Confirme, por favor: ¿le pidió a un agente que hiciera una solicitud de privacidad en su nombre?"
    )

    # Asked later in English: the request's own text stays in its language, the codes stay codes.
    spanish_agent.transport.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    data = spanish_agent.status(data["request_id"])[1]
    assert (data["status"], data["reason"]) == ("in_progress", "need_user_verification")
    assert data["processing_details"].startswith("Enviamos un correo electrónico al consumidor")
    # An error of that English call is in English.
    assert spanish_agent.status("00000000-0000-0000-0000-000000000000")[1]["message"] == "No such request."
