import pytest
from django.core import mail

from requests_app.requester import RequesterDetails


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _no_outbox_waker_left():
    """A test that relays through the background waker (OUTBOX_RELAY_SYNC off) leaves no thread behind to
    claim a later test's rows."""
    yield
    from requests_app.outbox.services import outbox_waker_stop

    outbox_waker_stop()


@pytest.fixture(autouse=True)
def _default_language():
    """LocaleMiddleware activates a request's language for the thread and leaves it there: a test that
    browses in Spanish must not make the next test's e-mails and messages Spanish."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def staff_login():
    """`staff_login(client, user)`: force_login plus an OTP-verified session (tests/mfa_support.py)."""
    from tests.mfa_support import staff_login

    return staff_login


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin_client (a superuser), past the second factor the admin asks for."""
    from tests.mfa_support import staff_login

    return staff_login(client, admin_user)


@pytest.fixture
def outbox():
    return mail.outbox


@pytest.fixture
def relay_in_worker(settings):
    """The outbox as in production: rows wait for the relay (run it with outbox_relay()) instead of being
    relayed in place as the unit settings do (OUTBOX_RELAY_SYNC)."""
    settings.OUTBOX_RELAY_SYNC = False


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


def migration_data_load() -> None:
    """Everything the data migrations load, again: the policy's data map (records 0002) and the staff
    roles with their admin permissions and the denial reason templates (staff 0002). Idempotent."""
    from django.apps import apps

    from records.datamap import load_data_map
    from staff.seed import roles_and_reasons_create

    load_data_map(apps)
    roles_and_reasons_create(apps)


_flushed = {"since_load": False}


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Transactional tests (live server, real worker) flush every table afterwards, the rows the data
    migrations loaded included. Each of them loads those rows again first, and so does a database test
    that runs after such a flush (pytest-django runs transactional tests last, so normally none does):
    every test sees the database as the migrations left it, whatever the order."""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    transactional = "transactional_db" in names or "live_server" in names
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        transactional = True
    if transactional:
        request.getfixturevalue("transactional_db")
        migration_data_load()
        _flushed["since_load"] = True  # this test's teardown flushes them again
    elif _flushed["since_load"] and (marker is not None or "db" in names):
        request.getfixturevalue("db")
        migration_data_load()  # inside the test's transaction: rolled back with it
