"""Who may call what: every endpoint × every persona (each role, no role, no token, expired, revoked),
checked against the staff UI's one role table (staff/permissions.py ROLE_ACTIONS)."""

import pytest

from requests_app.models import Status
from staff.permissions import ROLE_ACTIONS, Action, Role
from tests.factories import ConsumerFactory, PrivacyRequestFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["viewer", "analyst", "approver", "admin", "norole", "anonymous", "expired", "revoked"]
# endpoint name: (method, path after /api/v1/, body, action required (None: any valid token), success status)
ENDPOINTS = {
    "me": ("get", "me/", None, None, 200),
    "list": ("get", "requests/", None, Action.VIEW_QUEUE, 200),
    "detail": ("get", "requests/{ref}/", None, Action.VIEW_QUEUE, 200),
    "metrics": ("get", "metrics/?year=2026", None, Action.VIEW_METRICS, 200),
    "approve": ("post", "requests/{ref}/approve", {"reason": "ok"}, Action.APPROVE, 200),
    "deny": ("post", "requests/{ref}/deny", {"reason": "fraud"}, Action.DENY, 200),
    "extend": ("post", "requests/{ref}/extend", {"reason": "Systems down."}, Action.EXTEND, 200),
    "assign": ("post", "requests/{ref}/assign", {"assignee": None}, Action.ASSIGN, 200),
    "notes": ("post", "requests/{ref}/notes", {"text": "A note."}, Action.NOTE, 201),
    "submissions": (
        "post",
        "submissions/",
        {
            "channel": "phone",
            "kinds": ["opt_out"],
            "first_name": "Maya",
            "last_name": "Chen",
            "email": "m@example.com",
        },
        Action.SUBMIT_ON_BEHALF,
        201,
    ),
}


def expected_status(persona: str, action: Action | None, success: int) -> int:
    if persona in ("anonymous", "expired", "revoked"):
        return 401
    if action is None:
        return success
    if persona == "norole":
        return 403
    return success if action in ROLE_ACTIONS[Role(persona)] else 403


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_permission_matrix(api_client_for, persona, endpoint):
    method, path, body, action, success = ENDPOINTS[endpoint]
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW, consumer=ConsumerFactory())
    client = api_client_for(persona)
    url = "/api/v1/" + path.format(ref=privacy_request.reference)
    response = (
        getattr(client, method)(url, body, format="json")
        if body is not None
        else getattr(client, method)(url)
    )
    assert response.status_code == expected_status(persona, action, success), response.content
    assert response["Content-Type"] == "application/json"
    if response.status_code in (401, 403):
        privacy_request.refresh_from_db()
        assert privacy_request.status == Status.IN_REVIEW
        assert not privacy_request.events.exists()  # refused before anything was looked up or written


def test_the_matrix_matches_the_roles_the_readme_describes():
    """A spot check that the table is the one the UI uses: viewers read, analysts work, approvers decide."""
    assert expected_status("viewer", Action.NOTE, 201) == 403
    assert expected_status("analyst", Action.NOTE, 201) == 201
    assert expected_status("analyst", Action.APPROVE, 200) == 403
    assert expected_status("approver", Action.DENY, 200) == 200
