"""The request page's evidence panels: the declaration, the agent's document, processor notices and the
correction. Who may see each, and what each action does and records."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from records.models import Recipient
from records.vault import vault_put
from requests_app.agents import services as agents
from requests_app.models import (
    AgentAuthorization,
    CorrectionCase,
    CorrectionDocument,
    CorrectionItem,
    Declaration,
    Kind,
    ProcessorNotice,
    RequestEvent,
    Status,
)
from staff.panels import EVIDENCE_PANELS
from tests.factories import ConsumerFactory, PrivacyRequestFactory

pytestmark = pytest.mark.django_db
CONFIRM = {"confirm": "on"}
IP_HASH = "9f2c4e1d7a3b5c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6"


def _png() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(output, "PNG")
    return output.getvalue()


def _page(client, privacy_request) -> str:
    response = client.get(reverse("staff:request_detail", args=[privacy_request.reference]))
    assert response.status_code == 200
    return response.content.decode()


def _act(client, privacy_request, action, data):
    return client.post(
        reverse("staff:request_action", args=[privacy_request.reference, action]),
        {**data, **CONFIRM},
        follow=True,
    )


def test_every_panel_is_registered_once():
    assert len(EVIDENCE_PANELS) == len(set(EVIDENCE_PANELS)) == 6


# --- the signed declaration ------------------------------------------------------------------------------


@pytest.fixture
def declared():
    privacy_request = PrivacyRequestFactory(kind=Kind.ACCESS_SPECIFIC, status=Status.IN_REVIEW)
    Declaration.objects.create(
        submission=privacy_request.submission,
        statement_version="2026-01",
        signed_name="Maya Q. Chen",
        signed_at=timezone.now(),
        ip_hash=IP_HASH,
        user_agent="Mozilla/5.0 (Declaration test)",
    )
    return privacy_request


def test_a_viewer_sees_that_the_declaration_was_signed_but_not_by_whom(viewer_client, declared):
    page = _page(viewer_client, declared)
    assert "Signed declaration" in page and "version 2026-01" in page
    assert "Maya Q. Chen" not in page
    assert IP_HASH not in page and "Declaration test" not in page


def test_an_analyst_sees_the_signed_name_but_never_the_ip_hash(analyst_client, declared):
    page = _page(analyst_client, declared)
    assert "version 2026-01" in page and "Maya Q. Chen" in page
    assert IP_HASH not in page and IP_HASH[:12] not in page


def test_a_request_without_a_declaration_shows_no_declaration_panel(analyst_client):
    assert "Signed declaration" not in _page(analyst_client, PrivacyRequestFactory())


# --- the authorized agent's document ----------------------------------------------------------------------


@pytest.fixture
def agent_request():
    """Alex Rivera filed two requests for Maya with a signed permission (already sanitised and stored)."""
    stored = vault_put(content=_png(), folder=agents.DOCUMENT_FOLDER)
    first = PrivacyRequestFactory(status=Status.IN_REVIEW, consumer=ConsumerFactory())
    PrivacyRequestFactory(submission=first.submission, kind=Kind.DELETE, status=Status.IN_REVIEW)
    AgentAuthorization.objects.create(
        submission=first.submission,
        agent_name="Alex Rivera",
        agent_email="alex@agents.example",
        agent_organisation="Rivera Privacy Services",
        agent_is_entity=True,
        agent_sos_number="C1234567",
        document_type=AgentAuthorization.DocumentType.PERMISSION,
        document_storage_name=stored.name,
        document_sha256=stored.sha256,
        document_size=stored.size,
        document_content_type="image/png",
        document_display_name="permission.png",
        document_pages=None,
        document_removed=["EXIF metadata", "GPS position"],
        volume_flagged=True,
        consumer_confirmed=True,
        agent_may_receive=False,
    )
    return first


def _download(privacy_request) -> str:
    return reverse("staff:agent_document", args=[privacy_request.reference])


def test_a_viewer_sees_the_document_facts_but_not_the_agent_nor_the_download(viewer_client, agent_request):
    page = _page(viewer_client, agent_request)
    assert "Authorized agent" in page
    assert "Signed permission from the consumer" in page and "EXIF metadata, GPS position" in page
    assert "more requests in one day than the warning threshold" in page
    assert "Alex Rivera" not in page and "alex@agents.example" not in page
    assert _download(agent_request) not in page
    assert "Accept document" not in page


def test_a_viewer_is_refused_the_document_and_nothing_is_recorded(viewer_client, agent_request):
    assert viewer_client.get(_download(agent_request)).status_code == 403
    assert not RequestEvent.objects.filter(name="agents.document.downloaded").exists()


def test_an_analyst_sees_the_agent_and_downloads_the_document_which_is_recorded(
    analyst, analyst_client, agent_request
):
    page = _page(analyst_client, agent_request)
    assert "Alex Rivera" in page and "alex@agents.example" in page and "C1234567" in page
    assert _download(agent_request) in page
    assert "Accept document" not in page  # reviewing is for approvers

    response = analyst_client.get(_download(agent_request))
    assert response.status_code == 200
    assert response.content == _png()
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    downloaded = RequestEvent.objects.get(name="agents.document.downloaded")
    assert downloaded.actor == analyst and downloaded.request == agent_request


def test_an_approver_accepts_the_document_and_each_open_request_records_it(
    approver, approver_client, agent_request
):
    assert "Accept document" in _page(approver_client, agent_request)

    response = _act(approver_client, agent_request, "agent-document-accept", {"note": "Signed and dated."})

    assert "The agent&#x27;s document is accepted." in response.content.decode()
    authorization = AgentAuthorization.objects.get()
    assert authorization.review == AgentAuthorization.Review.ACCEPTED
    assert authorization.reviewed_by == approver
    events = RequestEvent.objects.filter(name="agents.document.accepted")
    assert events.count() == 2
    assert {e.actor for e in events} == {approver} and {e.reason for e in events} == {"Signed and dated."}
    assert "Accept document" not in response.content.decode()


def test_an_approver_rejects_the_document_with_a_reason_and_the_open_requests_are_denied(
    approver, approver_client, agent_request
):
    refused = _act(approver_client, agent_request, "agent-document-reject", {"note": ""})
    assert "This field is required." in refused.content.decode()
    assert AgentAuthorization.objects.get().review == AgentAuthorization.Review.PENDING

    _act(approver_client, agent_request, "agent-document-reject", {"note": "The permission is not signed."})

    assert AgentAuthorization.objects.get().review == AgentAuthorization.Review.REJECTED
    statuses = set(agent_request.submission.requests.values_list("status", flat=True))
    assert statuses == {Status.DENIED}
    rejected = RequestEvent.objects.filter(name="agents.document.rejected", actor=approver)
    assert rejected.count() == 2


def test_a_document_is_reviewed_once(approver_client, agent_request):
    _act(approver_client, agent_request, "agent-document-accept", {"note": ""})
    again = _act(approver_client, agent_request, "agent-document-reject", {"note": "Changed my mind."})
    assert "already reviewed" in again.content.decode()
    assert AgentAuthorization.objects.get().review == AgentAuthorization.Review.ACCEPTED


def test_reviewing_a_request_that_no_agent_filed_says_so(approver_client):
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW)
    response = _act(approver_client, privacy_request, "agent-document-accept", {"note": ""})
    assert "not made by an authorized agent" in response.content.decode()


# --- processor notices -------------------------------------------------------------------------------------


@pytest.fixture
def deleted_request():
    return PrivacyRequestFactory(kind=Kind.DELETE, status=Status.FULFILLING, consumer=ConsumerFactory())


def _notice(privacy_request, status, code="event_registration", **fields) -> ProcessorNotice:
    recipient = Recipient.objects.get(code=code)
    recipient.notify_by = Recipient.Notify.EMAIL
    recipient.notify_email = "privacy@events.example"
    recipient.save()
    return ProcessorNotice.objects.create(
        request=privacy_request, recipient=recipient, action="delete", method="email", status=status, **fields
    )


def test_everyone_sees_the_notices_but_only_analysts_and_up_act_on_them(
    viewer_client, analyst_client, deleted_request
):
    sent = _notice(
        deleted_request, ProcessorNotice.State.SENT, attempts=1, sent_at=timezone.now() - timedelta(days=2)
    )
    _notice(
        deleted_request, ProcessorNotice.State.FAILED, code="payments", attempts=5, last_error="smtp_failed"
    )

    for client in (viewer_client, analyst_client):
        page = _page(client, deleted_request)
        assert "Processor notices" in page
        assert sent.recipient.name in page and "Sent, waiting for confirmation" in page
        assert "Could not be delivered" in page and "smtp_failed" in page
    assert "Record confirmation" not in _page(viewer_client, deleted_request)
    analyst_page = _page(analyst_client, deleted_request)
    assert "Record confirmation" in analyst_page and "Send again" in analyst_page


def test_an_analyst_records_a_confirmation_that_came_by_email(analyst, analyst_client, deleted_request):
    notice = _notice(deleted_request, ProcessorNotice.State.SENT)

    response = _act(
        analyst_client,
        deleted_request,
        "processor-confirm",
        {"notice": notice.pk, "outcome": "no_records", "note": "E-mail reply of 3 May."},
    )

    assert f"Confirmation by {notice.recipient.name} recorded." in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == ProcessorNotice.State.CONFIRMED and notice.confirmed_via == "staff"
    event = RequestEvent.objects.get(name="requests.processor.confirmed")
    assert event.actor == analyst and event.reason == "E-mail reply of 3 May."
    assert event.data["outcome"] == "no_records"
    again = _act(
        analyst_client,
        deleted_request,
        "processor-confirm",
        {"notice": notice.pk, "outcome": "completed", "note": "Twice."},
    )
    assert "already confirmed" in again.content.decode()


def test_a_notice_of_another_request_cannot_be_confirmed_through_this_one(analyst_client, deleted_request):
    other = _notice(
        PrivacyRequestFactory(kind=Kind.DELETE, status=Status.FULFILLING), ProcessorNotice.State.SENT
    )
    response = _act(
        analyst_client,
        deleted_request,
        "processor-confirm",
        {"notice": other.pk, "outcome": "completed", "note": "Reply."},
    )
    assert "does not belong to this request" in response.content.decode()
    other.refresh_from_db()
    assert other.status == ProcessorNotice.State.SENT
    assert not RequestEvent.objects.filter(name="requests.processor.confirmed").exists()


def test_an_analyst_sends_a_failed_notice_again_and_it_is_delivered(
    analyst, analyst_client, deleted_request, django_capture_on_commit_callbacks
):
    notice = _notice(deleted_request, ProcessorNotice.State.FAILED, attempts=5, last_error="smtp_failed")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        _act(analyst_client, deleted_request, "processor-resend", {"notice": notice.pk})

    notice.refresh_from_db()
    assert notice.status == ProcessorNotice.State.SENT and notice.attempts == 6
    assert [m.to for m in mail.outbox] == [["privacy@events.example"]]
    assert RequestEvent.objects.get(name="requests.processor.resend").actor == analyst


def test_only_a_failed_notice_is_sent_again(analyst_client, deleted_request):
    notice = _notice(deleted_request, ProcessorNotice.State.SENT)
    response = _act(analyst_client, deleted_request, "processor-resend", {"notice": notice.pk})
    assert "Only a notice that could not be delivered" in response.content.decode()
    assert not RequestEvent.objects.filter(name="requests.processor.resend").exists()


# --- corrections --------------------------------------------------------------------------------------------


@pytest.fixture
def correction_request():
    from records.models import DataPoint, DataPointType, Source, System

    consumer = ConsumerFactory(last_name="Chen")
    privacy_request = PrivacyRequestFactory(
        kind=Kind.CORRECT, status=Status.FULFILLING, consumer=consumer, submission__email="maya@example.com"
    )
    case = CorrectionCase.objects.create(
        request=privacy_request,
        state=CorrectionCase.State.SUBMITTED,
        submitted_at=timezone.now(),
        explanation="I married in June.",
    )
    system = System.objects.get(code="member_accounts")
    point_type = DataPointType.objects.get(code="full_name")
    point = DataPoint.objects.create(
        consumer=consumer,
        system=system,
        point_type=point_type,
        source=Source.objects.first(),
        value="Maya Chen",
        collected_at=timezone.now(),
    )
    CorrectionItem.objects.create(
        case=case, data_point=point, system=system, point_type=point_type, corrected_value="Maya Chen-Lee"
    )
    stored = vault_put(content=_png(), folder="correction-documents")
    CorrectionDocument.objects.create(
        case=case,
        storage_name=stored.name,
        sha256=stored.sha256,
        size=stored.size,
        content_type="image/png",
        display_name="certificate.png",
    )
    return privacy_request


def test_a_viewer_sees_what_is_to_be_corrected_but_no_value_explanation_or_document(
    viewer_client, correction_request
):
    page = _page(viewer_client, correction_request)
    assert "Correction" in page and "Waiting for our decision" in page
    assert "Maya Chen-Lee" not in page and "I married in June." not in page and "certificate.png" not in page
    assert "Record the decision" not in page
    document = CorrectionDocument.objects.get()
    url = reverse("staff:correction_document", args=[correction_request.reference, document.pk])
    assert viewer_client.get(url).status_code == 403
    assert not RequestEvent.objects.filter(name="requests.correction.document_viewed").exists()


def test_an_analyst_reads_the_correction_and_its_document_but_cannot_decide(
    analyst, analyst_client, correction_request
):
    page = _page(analyst_client, correction_request)
    assert "Maya Chen-Lee" in page and "I married in June." in page and "certificate.png" in page
    assert "Record the decision" not in page
    document = CorrectionDocument.objects.get()
    response = analyst_client.get(
        reverse("staff:correction_document", args=[correction_request.reference, document.pk])
    )
    assert response.status_code == 200 and response.content == _png()
    assert response["Content-Disposition"].startswith("attachment;")
    assert RequestEvent.objects.get(name="requests.correction.document_viewed").actor == analyst


def test_a_document_of_another_request_is_not_found_through_this_one(analyst_client, correction_request):
    document = CorrectionDocument.objects.get()
    other = PrivacyRequestFactory(kind=Kind.CORRECT)
    url = reverse("staff:correction_document", args=[other.reference, document.pk])
    assert analyst_client.get(url).status_code == 404


def test_an_approver_denies_a_correction_with_its_basis_and_the_decision_is_recorded(
    approver, approver_client, correction_request, outbox
):
    assert "Record the decision" in _page(approver_client, correction_request)

    response = _act(
        approver_client,
        correction_request,
        "correction-decide",
        {"decision": "deny", "notes": "No document shows the new name.", "basis": "We hold no evidence."},
    )

    assert "Correction denied" in response.content.decode()
    correction_request.refresh_from_db()
    assert correction_request.status == Status.DENIED
    case = CorrectionCase.objects.get()
    assert case.state == CorrectionCase.State.DENIED and case.decided_by == approver
    decided = RequestEvent.objects.get(name="requests.correction.decided")
    assert decided.actor == approver and decided.reason == "No document shows the new name."
    assert [m.to for m in outbox] == [["maya@example.com"]] and "We hold no evidence." in outbox[0].body
    assert CorrectionDocument.objects.get().deleted_at is not None  # used only for the decision


def test_deciding_a_request_that_is_not_a_correction_says_so(approver_client):
    privacy_request = PrivacyRequestFactory(status=Status.FULFILLING)
    response = _act(
        approver_client, privacy_request, "correction-decide", {"decision": "approve", "notes": "n"}
    )
    assert "no correction to decide" in response.content.decode()


# --- the queue's agent-submitted filter -----------------------------------------------------------------


def test_the_agent_filter_keeps_the_status_filter_open_by_default_closed_when_asked(analyst_client):
    def by_agent(status):
        request = PrivacyRequestFactory(status=status)
        AgentAuthorization.objects.create(
            submission=request.submission, agent_name="A", agent_email="a@agents.example"
        )
        return request.reference

    open_one, closed_one = by_agent(Status.IN_REVIEW), by_agent(Status.COMPLETED)
    PrivacyRequestFactory(status=Status.IN_REVIEW)  # the consumer's own, open
    PrivacyRequestFactory(status=Status.COMPLETED)  # the consumer's own, closed
    queue = reverse("staff:queue")

    def refs(**params):
        return sorted(
            r.reference for r in analyst_client.get(queue, {"agent": "on", **params}).context["rows"]
        )

    assert refs() == [open_one]
    assert refs(status="completed") == [closed_one]
    assert refs(status="all") == sorted([open_one, closed_one])


def test_the_agent_filter_lists_only_agents_requests_in_a_fixed_number_of_queries(
    analyst_client, agent_request
):
    for _ in range(120):
        by_agent = PrivacyRequestFactory()
        AgentAuthorization.objects.create(
            submission=by_agent.submission, agent_name="A", agent_email="a@agents.example"
        )
        PrivacyRequestFactory()  # by the consumer
    queue = reverse("staff:queue")
    analyst_client.get(queue)  # warm the session write and the closed-count cache

    counts = {}
    for size in (25, 100):
        with CaptureQueriesContext(connection) as queries:
            response = analyst_client.get(queue, {"agent": "on", "size": size})
        rows = response.context["rows"]
        assert len(rows) == size
        assert all(AgentAuthorization.objects.filter(submission_id=r.submission_id).exists() for r in rows)
        counts[size] = len(queries)
    assert counts[25] == counts[100]
    with CaptureQueriesContext(connection) as unfiltered:
        analyst_client.get(queue, {"size": 25})
    assert counts[25] == len(unfiltered)
