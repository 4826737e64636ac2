"""Status callbacks go to the address that was checked: a name cannot be re-pointed between the check and
the connection (DNS rebinding)."""

import socket

import httpx
import pytest

from drp.models import DrpRequest
from drp.services import DrpError, drp_callback_send
from tests.drp_agent import MAYA_CLAIMS

pytestmark = pytest.mark.django_db

NAME = "agent-callback.example"
PUBLIC, PRIVATE = "93.184.216.34", "10.0.0.7"


@pytest.fixture
def dns(monkeypatch):
    """`dns.answers`: what NAME resolves to, one address per look-up (the last one repeats)."""
    real = socket.getaddrinfo

    class Dns:
        answers: list[str] = []
        lookups = 0

        def getaddrinfo(self, host, port, *args, **kwargs):
            if host != NAME:
                return real(host, port, *args, **kwargs)
            address = self.answers[min(self.lookups, len(self.answers) - 1)]
            self.lookups += 1
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    fake = Dns()
    monkeypatch.setattr(socket, "getaddrinfo", fake.getaddrinfo)
    return fake


@pytest.fixture
def connections(monkeypatch):
    """Requests that reached the network layer (httpx's HTTPTransport), answered 200 without a network."""
    sent: list[httpx.Request] = []

    def handle(self, request):
        sent.append(request)
        return httpx.Response(200, request=request)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle)
    return sent


def exercise_with_callback(agent, monkeypatch, url: str) -> int:
    monkeypatch.setattr("drp.services.outbox_task", lambda *a, **k: None)  # drive the sends by hand
    status, data, _ = agent.exercise("deletion", MAYA_CLAIMS, callback=url)
    assert status == 200, data
    return DrpRequest.objects.get().pk


def test_a_callback_name_that_resolves_to_a_private_address_at_send_time_is_refused(
    agent, maya, settings, monkeypatch, dns, connections
):
    settings.DRP_CALLBACK_ALLOW_HTTP = settings.DRP_CALLBACK_ALLOW_PRIVATE = False
    dns.answers = [PUBLIC, PRIVATE]  # public when checked at intake, private when the callback is sent
    pk = exercise_with_callback(agent, monkeypatch, f"https://{NAME}/drp/status")

    with pytest.raises(DrpError, match="public address"):
        drp_callback_send(drp_request_id=pk)
    assert connections == []


def test_a_public_callback_address_is_used_as_checked_with_the_name_kept_for_host_and_tls(
    agent, maya, settings, monkeypatch, dns, connections
):
    settings.DRP_CALLBACK_ALLOW_HTTP = settings.DRP_CALLBACK_ALLOW_PRIVATE = False
    dns.answers = [
        PUBLIC,
        PUBLIC,
        PRIVATE,
    ]  # a third look-up (httpx resolving again) would get the private one
    pk = exercise_with_callback(agent, monkeypatch, f"https://{NAME}/drp/status")

    assert drp_callback_send(drp_request_id=pk) == 200
    [sent] = connections
    assert (sent.url.scheme, sent.url.host, sent.url.path) == ("https", PUBLIC, "/drp/status")
    assert sent.headers["host"] == NAME and sent.extensions["sni_hostname"] == NAME
    assert dns.lookups == 2  # at intake and at send, and nothing resolved it again


def test_a_pinned_callback_really_connects_to_the_checked_address(
    agent, maya, settings, monkeypatch, dns, webhook_server
):
    settings.DRP_CALLBACK_ALLOW_HTTP = settings.DRP_CALLBACK_ALLOW_PRIVATE = True
    dns.answers = ["127.0.0.1"]  # a name no real resolver knows: only the pinned address reaches the server
    port = webhook_server.url.split(":")[-1].split("/")[0]
    pk = exercise_with_callback(agent, monkeypatch, f"http://{NAME}:{port}/drp")

    assert drp_callback_send(drp_request_id=pk) == 200
    [received] = webhook_server.received
    assert received.headers["host"] == f"{NAME}:{port}" and received.path == "/drp"
