import random
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from records.connectors import BuiltinConnector
from records.erasure import erasure_plan_build
from records.imports import ConsumerRow, consumers_import
from records.models import Consumer, DataPoint, Recipient, RetentionHold, System
from records.suppression import suppression_check
from requests_app.deletion import services as deletion
from requests_app.exceptions import RequestError
from requests_app.fulfilment import FULFILMENT_TASKS, request_approve
from requests_app.management.commands.seed_demo import DataPointMaker
from requests_app.models import (
    DeletionCase,
    Kind,
    PrivacyRequest,
    ProcessorNotice,
    RequestEvent,
    Status,
)
from requests_app.states import state_change
from requests_app.web import STATUS_ACCESS_KEY
from tests.factories import ConsumerFactory, PrivacyRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def maya():
    consumer = ConsumerFactory(
        email="maya.chen@example.com", phone="+14155550101", member_number="RN00000001"
    )
    points = DataPointMaker(random.Random(1)).rich(consumer)
    DataPoint.objects.bulk_create(points)
    return consumer


@pytest.fixture
def recent_and_old_entry_images(maya):
    """Building-access rows: one from last week (kept for security) and one from last year (expired)."""
    DataPoint.objects.filter(consumer=maya, system__code="building_access").update(
        collected_at=timezone.now() - timedelta(days=7)
    )
    old = DataPoint.objects.filter(consumer=maya, system__code="building_access").first()
    old.pk = None
    old.collected_at = timezone.now() - timedelta(days=400)
    old.save()


@pytest.fixture
def recipients_with_addresses(webhook_server):
    for recipient in Recipient.objects.exclude(notify_by=Recipient.Notify.NONE):
        recipient.notify_email = f"privacy@{recipient.code}.example"
        recipient.webhook_url = webhook_server.url
        recipient.save()


@pytest.fixture
def delete_request(maya):
    return PrivacyRequestFactory(
        kind=Kind.DELETE,
        status=Status.FULFILLING,
        consumer=maya,
        submission__email="maya.chen@example.com",
    )


def _code_from(message) -> str:
    return re.search(r"^\s+(\d{6})$", message.body, re.MULTILINE).group(1)


def _plan_by_system(plan) -> dict:
    return {entry.system_code: entry for entry in plan.entries}


# --- The plan ---------------------------------------------------------------------------------------


def test_the_plan_follows_the_data_map_and_gives_each_retained_system_a_reason(maya, settings):
    settings.SECURITY_LOG_RETENTION_DAYS = 90
    plan = _plan_by_system(erasure_plan_build(consumer=maya))

    assert plan["member_accounts"].action == "delete"
    assert plan["web_logs"].action == "deidentify"
    assert plan["payments"].action == "retain"
    assert plan["payments"].reason == "legal_obligation"
    assert "7 years" in plan["payments"].explanation
    assert plan["building_access"].action == "retain"
    assert plan["building_access"].reason == "security"
    assert plan["building_access"].retain_days == 90


def test_a_staff_hold_keeps_a_system_that_would_otherwise_be_deleted(maya):
    RetentionHold.objects.create(
        consumer=maya, system=System.objects.get(code="comms_uploads"), reason="open_dispute", note="case 12"
    )
    RetentionHold.objects.create(
        consumer=maya, system=System.objects.get(code="webinar_registrations"), reason="legal_hold",
        released_at=timezone.now(),
    )  # fmt: skip
    plan = _plan_by_system(erasure_plan_build(consumer=maya))

    assert plan["comms_uploads"].action == "retain"
    assert plan["comms_uploads"].reason == "open_dispute"
    assert "case 12" not in plan["comms_uploads"].explanation  # staff notes are never shown
    assert plan["webinar_registrations"].action == "delete"  # a released hold no longer applies


def test_a_hold_without_a_system_keeps_everything(maya):
    RetentionHold.objects.create(consumer=maya, reason="fees_owed")
    plan = erasure_plan_build(consumer=maya)
    assert {e.action for e in plan.entries} == {"retain"}
    assert {e.reason for e in plan.entries} == {"fees_owed"}


# --- The connector ----------------------------------------------------------------------------------


def test_erasure_deletes_deidentifies_and_keeps_what_the_plan_says(maya, recent_and_old_entry_images):
    events_before = RequestEvent.objects.count()
    plan = erasure_plan_build(consumer=maya)

    result = BuiltinConnector().erase(maya, plan)

    rows = DataPoint.objects.filter(consumer=maya)
    assert not rows.filter(system__code__in=["member_accounts", "marketing_list", "partner_sharing"]).exists()
    web_logs = rows.filter(system__code="web_logs")
    assert web_logs.count() == 22  # rows stay for the figures ...
    assert set(web_logs.values_list("value", flat=True)) == {""}  # ... without their values
    assert not web_logs.filter(redacted_at__isnull=True).exists()
    assert rows.filter(system__code="payments").count() == 2
    assert rows.get(system__code="payments", point_type__code="invoice").value.startswith("INV-2023-0042")
    entry_images = rows.filter(system__code="building_access")
    assert entry_images.count() == 1  # the 400-day-old one is past the security retention
    outcome = {s.system_code: s for s in result.systems}
    assert outcome["building_access"].deleted == 1
    assert outcome["building_access"].retained == 1
    assert outcome["payments"].retained == 2
    assert outcome["web_logs"].deidentified == 22
    assert RequestEvent.objects.count() == events_before


def test_erasure_blanks_the_consumers_identifiers_but_keeps_the_member_number_linking_kept_rows(maya):
    BuiltinConnector().erase(maya, erasure_plan_build(consumer=maya))
    maya.refresh_from_db()
    assert (maya.email, maya.phone, maya.first_name, maya.name_normalized, maya.date_of_birth) == (
        "",
        "",
        "",
        "",
        None,
    )
    assert maya.member_number == "RN00000001"  # payments are kept and must stay linked
    assert maya.erased_at is not None
    assert not maya.account_active


def test_identifiers_stay_when_the_account_system_is_held(maya):
    RetentionHold.objects.create(
        consumer=maya, system=System.objects.get(code="member_accounts"), reason="fees_owed"
    )
    result = BuiltinConnector().erase(maya, erasure_plan_build(consumer=maya))
    maya.refresh_from_db()
    assert maya.email == "maya.chen@example.com"
    assert not result.identifiers_erased


# --- The whole flow ---------------------------------------------------------------------------------


def test_the_delete_kind_registers_its_fulfilment_task():
    assert FULFILMENT_TASKS["delete"].name == "requests.deletion.start"


def test_approval_asks_the_requester_to_confirm_with_a_fresh_code(
    maya, outbox, django_capture_on_commit_callbacks
):
    request = PrivacyRequestFactory(
        kind=Kind.DELETE, status=Status.IN_REVIEW, consumer=maya, submission__email="maya.chen@example.com"
    )
    held = DataPoint.objects.filter(consumer=maya).count()
    with django_capture_on_commit_callbacks(execute=True):
        request_approve(request=request)

    [message] = outbox
    assert message.to == ["maya.chen@example.com"]
    assert request.reference in message.subject
    assert _code_from(message)
    assert request.deletion_case.state == DeletionCase.State.AWAITING_CONFIRMATION
    assert DataPoint.objects.filter(consumer=maya).count() == held  # nothing erased yet


def test_a_confirmed_deletion_waits_for_the_cancel_window_then_erases_notifies_and_responds(
    delete_request,
    recent_and_old_entry_images,
    outbox,
    settings,
    recipients_with_addresses,
    webhook_server,
    django_capture_on_commit_callbacks,
):
    settings.DELETION_CANCEL_WINDOW_MINUTES = 60
    deletion.deletion_start(request_id=delete_request.pk)
    code = _code_from(outbox[0])

    assert deletion.deletion_confirm(reference=delete_request.reference, code=code) == delete_request
    case = DeletionCase.objects.get(request=delete_request)
    assert case.state == DeletionCase.State.SCHEDULED
    assert case.erase_after - case.confirmed_at == timedelta(minutes=60)

    # Inside the window nothing happens.
    assert deletion.deletion_sweep() == {"erase": 0, "respond": 0, "expired": 0}
    assert not deletion.deletion_execute(request_id=delete_request.pk)

    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        with django_capture_on_commit_callbacks(execute=True):
            assert deletion.deletion_sweep()["erase"] == 1

    delete_request.refresh_from_db()
    assert delete_request.status == Status.COMPLETED
    assert delete_request.outcome == "partially"
    response = outbox[-1]
    assert response.subject == f"Your deletion request {delete_request.reference} is complete"
    assert "Member accounts: deleted" in response.body
    assert "Website logs and cookies: de-identified" in response.body
    assert "Payments (2 items): Kept for 7 years" in response.body
    assert "Building access (1 item): Security logs are kept for 90 days" in response.body
    # Recipients of the erased systems are instructed; the e-mails carry no identifiers.
    notices = ProcessorNotice.objects.filter(request=delete_request)
    assert {n.recipient.code for n in notices} >= {"it_hosting", "event_registration", "comms_platform"}
    assert "incubation_partners" in {n.recipient.code for n in notices}
    processor_mails = [m for m in outbox if m.to[0].endswith(".example") and "notice" in m.subject]
    assert processor_mails and all("maya.chen@example.com" not in m.body for m in processor_mails)
    assert all(n.subject for n in notices)
    # The request record keeps only what record keeping needs.
    submission = delete_request.submission
    submission.refresh_from_db()
    assert (submission.email, submission.first_name, submission.personal_data_purged_at is not None) == (
        "",
        "",
        True,
    )
    completed = RequestEvent.objects.get(request=delete_request, name="requests.request.completed")
    assert completed.data["retained_reasons"] == ["legal_obligation", "security"]
    assert "maya" not in str(completed.data).lower()


def test_a_wrong_code_schedules_nothing(delete_request, outbox):
    deletion.deletion_start(request_id=delete_request.pk)
    right = _code_from(outbox[0])
    wrong = "000000" if right != "000000" else "111111"
    assert deletion.deletion_confirm(reference=delete_request.reference, code=wrong) is None
    assert DeletionCase.objects.get(request=delete_request).state == DeletionCase.State.AWAITING_CONFIRMATION


def test_a_cancelled_deletion_erases_nothing(
    delete_request, outbox, settings, django_capture_on_commit_callbacks
):
    settings.DELETION_CANCEL_WINDOW_MINUTES = 60
    deletion.deletion_start(request_id=delete_request.pk)
    deletion.deletion_confirm(reference=delete_request.reference, code=_code_from(outbox[0]))
    held = DataPoint.objects.filter(consumer=delete_request.consumer).count()

    assert deletion.deletion_cancel(request_id=delete_request.pk)

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        with django_capture_on_commit_callbacks(execute=True):
            deletion.deletion_sweep()
    delete_request.refresh_from_db()
    assert delete_request.status == Status.WITHDRAWN
    assert DataPoint.objects.filter(consumer=delete_request.consumer).count() == held
    assert not ProcessorNotice.objects.exists()


def test_it_is_too_late_to_cancel_once_erased(
    delete_request, outbox, settings, django_capture_on_commit_callbacks
):
    settings.DELETION_CANCEL_WINDOW_MINUTES = 0
    deletion.deletion_start(request_id=delete_request.pk)
    with django_capture_on_commit_callbacks(execute=True):
        deletion.deletion_confirm(reference=delete_request.reference, code=_code_from(outbox[0]))
    assert not deletion.deletion_cancel(request_id=delete_request.pk)
    delete_request.refresh_from_db()
    assert delete_request.status == Status.COMPLETED


def test_a_deletion_not_confirmed_in_time_is_closed_and_the_requester_told(delete_request, outbox, settings):
    settings.DELETION_CONFIRM_DAYS = 14
    deletion.deletion_start(request_id=delete_request.pk)
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert deletion.deletion_sweep()["expired"] == 1
    delete_request.refresh_from_db()
    assert delete_request.status == Status.WITHDRAWN
    assert "deleted nothing" in outbox[-1].body


def test_a_lost_response_is_sent_by_the_sweeper_once(delete_request, outbox, settings):
    settings.DELETION_CANCEL_WINDOW_MINUTES = 0
    deletion.deletion_start(request_id=delete_request.pk)
    deletion.deletion_confirm(reference=delete_request.reference, code=_code_from(outbox[0]))
    deletion.deletion_execute(request_id=delete_request.pk)  # its on-commit response never runs here
    sent_before = len(outbox)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert deletion.deletion_sweep()["respond"] == 1
        assert deletion.deletion_sweep()["respond"] == 0
    assert len(outbox) == sent_before + 1


def test_a_deletion_for_someone_we_hold_nothing_about_says_so(outbox, settings):
    settings.DELETION_CANCEL_WINDOW_MINUTES = 0
    request = PrivacyRequestFactory(kind=Kind.DELETE, status=Status.FULFILLING, consumer=None)
    deletion.deletion_start(request_id=request.pk)
    deletion.deletion_confirm(reference=request.reference, code=_code_from(outbox[0]))
    assert deletion.deletion_execute(request_id=request.pk)
    assert deletion.deletion_response_send(request_id=request.pk)
    assert "did not hold any personal information" in outbox[-1].body


# --- Suppression ------------------------------------------------------------------------------------


def test_an_erased_person_is_caught_when_their_data_is_imported_again(delete_request, outbox, settings):
    settings.DELETION_CANCEL_WINDOW_MINUTES = 0
    deletion.deletion_start(request_id=delete_request.pk)
    deletion.deletion_confirm(reference=delete_request.reference, code=_code_from(outbox[0]))
    deletion.deletion_execute(request_id=delete_request.pk)

    assert suppression_check(email="maya.chen@example.com")
    assert suppression_check(member_number="RN00000001")
    assert not suppression_check(email="someone.else@example.com")
    report = consumers_import(
        rows=[
            ConsumerRow(email="maya.chen@example.com", first_name="Maya", last_name="Chen", name_normalized="chen maya"),
            ConsumerRow(email="new.person@example.com", first_name="New", last_name="Person", name_normalized="new person"),
        ]
    )  # fmt: skip
    assert (report.created, report.suppressed) == (1, 1)
    assert not Consumer.objects.filter(email="maya.chen@example.com").exists()


def test_the_suppression_list_holds_no_identifier():
    from records.models import SuppressionEntry
    from records.suppression import suppression_record

    suppression_record(email="maya.chen@example.com", phone="+14155550101", member_number="RN00000001")
    stored = " ".join(SuppressionEntry.objects.values_list("digest", flat=True))
    assert SuppressionEntry.objects.count() == 3
    for raw in ("maya", "4155550101", "RN00000001"):
        assert raw not in stored


def test_seeding_the_demo_again_does_not_bring_an_erased_demo_person_back(settings):
    from django.core.management import call_command

    from records.suppression import suppression_record

    suppression_record(email="maya.chen@example.com")
    call_command("seed_demo", "--consumers", "0", "--no-progress")
    assert not Consumer.objects.filter(member_number="RN00000001").exists()
    assert Consumer.objects.filter(member_number="RN00000002").exists()


def test_the_csv_import_command_skips_suppressed_people(tmp_path):
    from django.core.management import call_command

    from records.suppression import suppression_record

    suppression_record(email="maya.chen@example.com")
    path = tmp_path / "people.csv"
    path.write_text(
        "email,first_name,last_name,phone\nMaya.Chen@Example.com,Maya,Chen,\nx@example.com,X,Y,(415) 555-0199\n"
    )
    from io import StringIO

    out = StringIO()
    call_command("import_consumers", str(path), stdout=out)
    assert "created 1" in out.getvalue()
    assert "suppressed (erased earlier) 1" in out.getvalue()


# --- Unverifiable -----------------------------------------------------------------------------------


def test_an_unverifiable_deletion_is_denied_with_the_reason_and_offered_the_opt_out(outbox):
    request = PrivacyRequestFactory(
        kind=Kind.DELETE, status=Status.UNVERIFIABLE, submission__email="x@example.com"
    )
    deletion.deletion_unverifiable_notice_send(request=request)
    [message] = outbox
    assert "could not verify your identity" in message.body
    assert reverse("requests_app:do_not_sell") in message.body
    assert "§7022" in message.body


# --- Views: who may see and do what -----------------------------------------------------------------


def _status_session(client, request: PrivacyRequest) -> None:
    session = client.session
    session[STATUS_ACCESS_KEY] = {"id": request.pk, "until": timezone.now().timestamp() + 600}
    session.save()


def test_the_confirm_page_schedules_the_deletion_with_the_right_code(
    client, delete_request, outbox, settings
):
    settings.DELETION_CANCEL_WINDOW_MINUTES = 60
    deletion.deletion_start(request_id=delete_request.pk)
    response = client.post(
        reverse("requests_app:deletion_confirm"),
        {"reference": delete_request.reference.lower(), "code": _code_from(outbox[0])},
    )
    assert response.status_code == 302
    page = client.get(response.url)
    assert "We will delete your information after" in page.content.decode()
    assert "Cancel the deletion" in page.content.decode()


def test_the_confirm_page_says_the_same_for_a_wrong_code_and_an_unknown_reference(
    client, delete_request, outbox
):
    deletion.deletion_start(request_id=delete_request.pk)
    wrong = client.post(
        reverse("requests_app:deletion_confirm"), {"reference": delete_request.reference, "code": "000001"}
    )
    unknown = client.post(
        reverse("requests_app:deletion_confirm"), {"reference": "RN-2222-3333-4444", "code": "000001"}
    )
    assert wrong.status_code == unknown.status_code == 200
    assert "do not match a deletion waiting for confirmation" in wrong.content.decode()
    assert "do not match a deletion waiting for confirmation" in unknown.content.decode()


def test_the_confirm_page_rejects_malformed_input_with_a_message(client):
    response = client.post(reverse("requests_app:deletion_confirm"), {"reference": "nope", "code": "12"})
    assert response.status_code == 200
    assert "A reference looks like" in response.content.decode()


def test_the_scheduled_page_needs_a_confirmation_in_this_browser(client):
    response = client.get(reverse("requests_app:deletion_scheduled"))
    assert response.status_code == 302
    assert response.url == reverse("requests_app:status_lookup")


def test_cancelling_needs_the_status_page_access_of_that_request(client, delete_request, outbox, settings):
    settings.DELETION_CANCEL_WINDOW_MINUTES = 60
    deletion.deletion_start(request_id=delete_request.pk)
    url = reverse("requests_app:deletion_cancel")

    assert client.post(url, {"reference": delete_request.reference}).status_code == 404
    other = PrivacyRequestFactory(kind=Kind.DELETE, status=Status.FULFILLING)
    _status_session(client, other)
    assert client.post(url, {"reference": delete_request.reference}).status_code == 404
    delete_request.refresh_from_db()
    assert delete_request.status == Status.FULFILLING

    _status_session(client, delete_request)
    response = client.post(url, {"reference": delete_request.reference})
    assert response.status_code == 200
    assert "Deletion cancelled" in response.content.decode()
    delete_request.refresh_from_db()
    assert delete_request.status == Status.WITHDRAWN


def test_cancelling_is_refused_once_the_status_access_expired(client, delete_request):
    deletion.deletion_start(request_id=delete_request.pk)
    session = client.session
    session[STATUS_ACCESS_KEY] = {"id": delete_request.pk, "until": timezone.now().timestamp() - 1}
    session.save()
    assert (
        client.post(
            reverse("requests_app:deletion_cancel"), {"reference": delete_request.reference}
        ).status_code
        == 404
    )


def test_the_status_page_shows_the_deletion_and_offers_a_new_code(client, delete_request, outbox):
    deletion.deletion_start(request_id=delete_request.pk)
    _status_session(client, delete_request)
    page = client.get(reverse("requests_app:status_view")).content.decode()
    # Issue 15, item 7: the status page's code covers the confirmation; the e-mailed code still works.
    assert "Yes, delete my information" in page
    assert "We e-mailed you a code to confirm the deletion. You do not need it here" in page
    assert reverse("requests_app:deletion_confirm") in page

    response = client.post(reverse("requests_app:deletion_resend"), {"reference": delete_request.reference})
    assert "We have e-mailed you a new code" in response.content.decode()
    assert len(outbox) == 2


def test_resending_a_code_needs_access(client, delete_request, outbox):
    deletion.deletion_start(request_id=delete_request.pk)
    response = client.post(reverse("requests_app:deletion_resend"), {"reference": delete_request.reference})
    assert response.status_code == 404
    assert len(outbox) == 1


def test_the_status_session_confirms_the_deletion_without_a_second_code(
    client, delete_request, outbox, settings
):
    """Issue 15, item 7: the status page's code went to the same address as the confirmation code."""
    settings.DELETION_CANCEL_WINDOW_MINUTES = 60
    deletion.deletion_start(request_id=delete_request.pk)
    _status_session(client, delete_request)
    assert (
        "Yes, delete my information" in client.get(reverse("requests_app:deletion_confirm")).content.decode()
    )

    response = client.post(
        reverse("requests_app:deletion_confirm_now"), {"reference": delete_request.reference}
    )
    assert "We will delete your information after" in response.content.decode()
    case = DeletionCase.objects.get(request=delete_request)
    assert case.state == DeletionCase.State.SCHEDULED
    confirmed = RequestEvent.objects.get(request=delete_request, name="requests.deletion.confirmed")
    assert confirmed.data["via"] == "status_session"
    assert len(outbox) == 1  # only the confirmation e-mail of deletion_start


def test_who_may_confirm_in_session_only_a_live_status_session_of_that_submission(client, delete_request):
    deletion.deletion_start(request_id=delete_request.pk)
    url = reverse("requests_app:deletion_confirm_now")
    assert client.post(url, {"reference": delete_request.reference}).status_code == 404
    _status_session(client, PrivacyRequestFactory(kind=Kind.DELETE, status=Status.FULFILLING))
    assert client.post(url, {"reference": delete_request.reference}).status_code == 404
    session = client.session
    session[STATUS_ACCESS_KEY] = {"id": delete_request.pk, "until": timezone.now().timestamp() - 1}
    session.save()
    assert client.post(url, {"reference": delete_request.reference}).status_code == 404
    assert client.get(url).status_code == 405
    assert DeletionCase.objects.get(request=delete_request).state == DeletionCase.State.AWAITING_CONFIRMATION


# --- The state machine of a deletion case ---------------------------------------------------------


def test_the_deletion_table_has_a_row_for_every_state_and_leads_only_to_states():
    states = set(DeletionCase.State.values)
    assert set(deletion.DELETION_STATES) == states
    assert set().union(*deletion.DELETION_STATES.values()) <= states


def test_a_cancelled_deletion_cannot_become_erased():
    case = DeletionCase.objects.create(
        request=PrivacyRequestFactory(kind=Kind.DELETE, status=Status.WITHDRAWN),
        state=DeletionCase.State.CANCELLED,
    )

    with pytest.raises(RequestError) as refused:
        state_change(
            obj=case,
            field="state",
            to=DeletionCase.State.ERASED,
            table=deletion.DELETION_STATES,
            request=case.request,
            event="requests.deletion.state.erased",
            erased_at=timezone.now(),
        )

    assert refused.value.code == "illegal_state_change"
    case.refresh_from_db()
    assert (case.state, case.erased_at) == (DeletionCase.State.CANCELLED, None)
    assert not RequestEvent.objects.filter(request=case.request).exists()


def test_a_cancelled_deletion_records_its_move_with_from_and_to(maya):
    request = PrivacyRequestFactory(kind=Kind.DELETE, status=Status.FULFILLING, consumer=maya)
    DeletionCase.objects.create(request=request, code_sent_at=timezone.now())

    deletion.deletion_cancel(request_id=request.pk)

    event = RequestEvent.objects.get(request=request, name="requests.deletion.state.cancelled")
    assert event.actor_label == "requester"
    assert event.data == {"from": "awaiting_confirmation", "to": "cancelled"}
