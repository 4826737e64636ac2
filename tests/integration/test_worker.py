import pytest
from django.urls import reverse

from requests_app.models import PrivacyRequest, Submission

pytestmark = pytest.mark.integration


def test_a_real_worker_sends_the_acknowledgement_after_commit(client, celery_worker_process, valid_form_data):
    response = client.post(reverse("requests_app:request_new"), valid_form_data)
    assert response.status_code == 302

    references = list(PrivacyRequest.objects.values_list("reference", flat=True))
    # Two e-mails: the acknowledgement and the verification code (issue 3).
    mails = celery_worker_process.wait_for(
        lambda: len(celery_worker_process.mails()) >= 2 and celery_worker_process.mails(),
        what="the acknowledgement and code e-mails",
    )
    acknowledgements = [m for m in mails if "We received your privacy request" in m]
    assert len(mails) == 2 and len(acknowledgements) == 1
    assert "To: maya.chen@example.com" in acknowledgements[0]
    assert all(ref in acknowledgements[0] for ref in references)
    submission = Submission.objects.get()
    assert submission.acknowledged_at is not None
    assert submission.requests.filter(events__name="requests.request.acknowledged").count() == 2


def test_the_sweeper_resends_an_acknowledgement_whose_message_was_lost(celery_worker_process, settings):
    from django.utils import timezone

    from requests_app.intake.tasks import sweep_stuck_requests
    from tests.factories import PrivacyRequestFactory

    request = PrivacyRequestFactory(submission__email="lost@example.com")
    Submission.objects.filter(pk=request.submission_id).update(
        created_at=timezone.now() - timezone.timedelta(hours=2)
    )
    assert sweep_stuck_requests.apply().get() == 1  # runs here; re-enqueues to the real worker

    celery_worker_process.wait_for(celery_worker_process.mails, what="the re-sent acknowledgement")
    request.submission.refresh_from_db()
    assert request.submission.acknowledged_at is not None
