"""The yearly limit under concurrency, on PostgreSQL with real transactions in two threads."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from requests_app.models import Kind, Status
from requests_app.verify import services as flow
from tests.factories import PrivacyRequestFactory, SubmissionFactory
from tests.requests_app.flow_helpers import IP, MAYA, Driver, code_sent_to, maya_consumer

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only(settings):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (set DATABASE_URL; `make test` does)")
    settings.AUTO_APPROVE_VERIFIED_KINDS = []


@pytest.mark.parametrize("attempt", range(3))
def test_with_one_used_two_concurrent_access_requests_yield_exactly_one_acceptance(outbox, attempt):
    consumer = maya_consumer()
    PrivacyRequestFactory(
        consumer=consumer,
        status=Status.COMPLETED,
        received_at=timezone.now() - timedelta(days=60),
        submission=SubmissionFactory(email=MAYA["email"]),
    )
    driver = Driver(outbox, None)
    # Two submissions from addresses not on record, each waiting for the code sent to Maya's address.
    submissions, codes = [], []
    for n in range(2):
        submission = driver.submit([Kind.KNOW_CATEGORIES], **{**MAYA, "email": f"maya{n}@elsewhere.example"})
        driver.prove_typed(submission)
        codes.append(code_sent_to(outbox, MAYA["email"]))
        submissions.append(submission)

    barrier = threading.Barrier(2)
    errors = []

    def decide(submission, code):
        try:
            barrier.wait(timeout=10)
            flow.verification_contact_code_check(submission_id=submission.pk, code=code, ip=IP)
        except Exception as exc:  # reported below; a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=pair) for pair in zip(submissions, codes, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    outcomes = sorted(s.requests.get().status for s in submissions)
    assert outcomes == [Status.DENIED, Status.IN_REVIEW]
    denied = next(s.requests.get() for s in submissions if s.requests.get().status == Status.DENIED)
    assert denied.denial_reason == "too_many_requests"
