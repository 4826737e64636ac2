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


@pytest.fixture(autouse=True)
def _data_map_after_flush(request):
    """Transactional tests (browser, worker) flush every table afterwards, the data map loaded by
    migration included: reload it first, so such a test does not depend on which one ran before it."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    from django.apps import apps

    from records.datamap import load_data_map

    request.getfixturevalue("transactional_db")
    load_data_map(apps)
