import pytest
from django.core import mail

from requests_app.services import RequesterDetails


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def outbox():
    return mail.outbox


@pytest.fixture
def consumer_details() -> RequesterDetails:
    """The requester persona: Maya Chen, one of README's demo persons, as she would type herself."""
    return RequesterDetails(
        first_name="Maya",
        last_name="Chen",
        email="maya.chen@example.com",
        phone="+14155550101",
        street="123 Market Street",
        city="San Francisco",
        state="CA",
        zip5="94105",
    )


@pytest.fixture
def valid_form_data() -> dict:
    return {
        "kinds": ["know_categories", "delete"],
        "first_name": "Maya",
        "last_name": "Chen",
        "email": "Maya.Chen@Example.com",
        "phone": "(415) 555-0101",
        "street": "123 Market Street",
        "city": "San Francisco",
        "state": "CA",
        "zip_code": "94105",
        "date_of_birth": "1990-04-02",
        "member_number": "RN00000001",
    }


@pytest.fixture
def webhook_server():
    """A recipient's webhook endpoint: a real HTTP server on 127.0.0.1 (tests/webhook_server.py)."""
    from tests.webhook_server import WebhookServer, start_webhook_server

    state = WebhookServer()
    httpd = start_webhook_server(state)
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _data_map_in_transactional_tests(request):
    """Transactional tests (live server, real worker) flush every table afterwards, the data map loaded by
    migration 0002 included: load it again for each of them so that test order does not matter."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    if marker is not None and marker.kwargs.get("transaction"):
        transactional = True
    if "celery_worker_process" in request.fixturenames:
        transactional = True
    if transactional:
        from django.apps import apps

        from records.datamap import load_data_map

        request.getfixturevalue("transactional_db")
        load_data_map(apps)


@pytest.fixture
def data_map(db):
    """The policy's data map. A migration loads it, but transactional tests flush it away: load it again."""
    from django.apps import apps

    from records.datamap import load_data_map

    load_data_map(apps)
