"""The OpenAPI 3.1 schema and its docs page (Swagger UI served from our own static files: the CSP allows
no CDN and no inline script or style)."""

import re

import pytest
import yaml

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    ("/api/v1/me/", "get"),
    ("/api/v1/requests/", "get"),
    ("/api/v1/requests/{reference}/", "get"),
    ("/api/v1/requests/{reference}/approve", "post"),
    ("/api/v1/requests/{reference}/deny", "post"),
    ("/api/v1/requests/{reference}/extend", "post"),
    ("/api/v1/requests/{reference}/assign", "post"),
    ("/api/v1/requests/{reference}/notes", "post"),
    ("/api/v1/submissions/", "post"),
    ("/api/v1/metrics/", "get"),
}


def test_the_schema_is_openapi_3_1_public_and_describes_every_endpoint_with_its_errors(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"] == "3.1.0"
    found = {(path, method) for path, ops in schema["paths"].items() for method in ops}
    assert found == ENDPOINTS
    for path, method in ENDPOINTS:
        responses = schema["paths"][path][method]["responses"]
        assert {"401", "403"} <= set(responses), (path, method)
        assert schema["paths"][path][method]["security"] == [{"bearerAuth": []}]
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_docs_page_loads_only_our_own_scripts_and_styles_under_the_csp(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "default-src 'self'" in response["Content-Security-Policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "<style" not in html and re.search(r"<script>(?!</script>)", html) is None
    assert any("swagger-ui-bundle.js" in s for s in sources)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "/api/schema/" in script.content.decode()


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v2/nothing")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_wrong_method_is_a_json_405(api_user):
    _user, api = api_user("admin")
    response = api.delete("/api/v1/requests/")
    assert response.status_code == 405 and response.json()["detail"]
