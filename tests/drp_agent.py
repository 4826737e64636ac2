"""A DRP authorized agent built from the spec (DRP 1.0 §2, §3.07): its own Ed25519 keys (PyNaCl), its
directory entry, and signed calls. It talks to the portal through Django's test client or, against a
live server, through httpx; each answer is (HTTP status, JSON or None)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from nacl.signing import SigningKey

BUSINESS_ID = "RAKUNEST"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class DjangoTransport:
    client: Any

    def call(self, method: str, path: str, *, body: bytes | None = None, token: str = ""):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        send = getattr(self.client, method.lower())
        if body is None:
            response = send(path, **headers)
        else:
            response = send(path, data=body, content_type="text/plain", **headers)
        return response.status_code, _json(response.content), response


@dataclass
class HttpTransport:
    base_url: str

    def call(self, method: str, path: str, *, body: bytes | None = None, token: str = ""):
        import httpx

        headers = {"Content-Type": "text/plain"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = httpx.request(method, self.base_url + path, content=body, headers=headers, timeout=30)
        return response.status_code, _json(response.content), response


def _json(content: bytes):
    try:
        return json.loads(content) if content else None
    except ValueError:
        return None


@dataclass
class DrpTestAgent:
    transport: Any
    agent_id: str = "TEST_AGENT"
    signing_key: SigningKey = field(default_factory=SigningKey.generate)
    token: str = ""
    business_id: str = BUSINESS_ID

    def directory_entry(self) -> dict:
        return {
            "id": self.agent_id,
            "name": "Test Agent App",
            "verify_key": base64.b64encode(bytes(self.signing_key.verify_key)).decode(),
            "web_url": "https://agent.example.org/",
            "identity_assurance_url": "https://agent.example.org/identity",
            "technical_contact": "tech@agent.example.org",
            "business_contact": "privacy@agent.example.org",
        }

    def envelope(self, *, lifetime: timedelta = timedelta(minutes=5), **claims) -> dict:
        issued = now() - timedelta(seconds=1)
        return {
            "agent-id": self.agent_id,
            "business-id": self.business_id,
            "issued-at": issued.isoformat(),
            "expires-at": (issued + lifetime).isoformat(),
            "drp.version": "1.0",
            **claims,
        }

    def sign(self, claims: dict) -> bytes:
        """libsodium combined mode: the 64-byte signature, then the message; base64 (§3.07.1)."""
        return base64.b64encode(self.signing_key.sign(json.dumps(claims).encode()))

    def setup(self, **overrides):
        status, data, response = self.transport.call(
            "POST", f"/v1/agent/{self.agent_id}", body=self.sign(self.envelope(**overrides))
        )
        if status == 200:
            self.token = data["token"]
        return status, data, response

    def exercise(self, exercise: str, identity: dict, *, callback: str = "", **claims):
        body = self.envelope(exercise=exercise, regime="ccpa", **identity, **claims)
        if callback:
            body["status_callback"] = callback
        return self.send_exercise(self.sign(body))

    def send_exercise(self, body: bytes, *, path: str = "/v1/data-rights-request"):
        return self.transport.call("POST", path, body=body, token=self.token)

    def status(self, request_id: str):
        return self.transport.call("GET", f"/v1/data-rights-request/{request_id}", token=self.token)

    def revoke(self, request_id: str, reason: str = "I changed my mind"):
        body = self.sign(self.envelope(reason=reason))
        return self.transport.call(
            "DELETE", f"/v1/data-rights-request/{request_id}", body=body, token=self.token
        )


MAYA_CLAIMS = {
    "name": "Maya Chen",
    "email": "maya.chen@example.com",
    "email_verified": True,
    "phone_number": "+14155550101",
    "address": {
        "street_address": "123 Market Street",
        "locality": "San Francisco",
        "region": "CA",
        "postal_code": "94105",
        "country": "US",
    },
}


def load_directory(tmp_path, *agents: DrpTestAgent) -> None:
    """Write the agents' directory entries as an `agents.json` and load it (`drp_agents_load`)."""
    from django.core.management import call_command

    path = tmp_path / "agents.json"
    path.write_text(json.dumps([a.directory_entry() for a in agents]))
    call_command("drp_agents_load", str(path))
