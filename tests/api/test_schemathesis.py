"""schemathesis against the project's own schema on the live test server (PostgreSQL), authenticated
with an admin token: no server error, and every documented response conforms to the schema."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from api.services import api_token_create
from api.views import EXAMPLE_REFERENCE
from requests_app.models import Kind, Status
from staff.permissions import Role
from tests.factories import ConsumerFactory, PrivacyRequestFactory, staff_member

pytestmark = pytest.mark.integration

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def test_schemathesis_finds_no_server_error_and_no_response_off_the_schema(live_server, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the schemathesis run is against PostgreSQL (set DATABASE_URL; `make test` does)")
    admin = staff_member("schema_admin", Role.ADMIN)
    secret = api_token_create(user=admin, name="schemathesis").secret
    # The schema's example reference exists, so that the examples reach a real request (200s, 409s).
    PrivacyRequestFactory(
        reference=EXAMPLE_REFERENCE, kind=Kind.DELETE, status=Status.IN_REVIEW, consumer=ConsumerFactory()
    )
    PrivacyRequestFactory.create_batch(3)
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{live_server.url}/api/schema/",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--header",
        f"Authorization: Bearer {secret}",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"),
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--seed",
        "12",
        "--generation-allow-x00",
        "true",
        "--no-color",
        "--request-timeout",
        "30",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-3000:]
