"""An approved correction reaches the external systems that hold the corrected types: one run each, the
new values sealed in it, the requester told once every system has answered."""

import logging
import random

import pytest
import sqlalchemy as sa
from django.utils import timezone

from records.connectors import ConnectorError
from records.models import DataPoint
from requests_app.correction import services as correction
from requests_app.correction.services import ItemInput
from requests_app.management.commands.seed_demo import DataPointMaker
from requests_app.models import CorrectionCase, Kind, OwnerTask, RequestEvent, Status, SystemRun
from requests_app.systems import services as systems
from tests.factories import PrivacyRequestFactory
from tests.records import external_schema
from tests.records.conftest import postgres_database
from tests.records.external_schema import MAYA
from tests.requests_app.systems.conftest import OWNER, billing_system

pytestmark = pytest.mark.django_db

R = SystemRun.State
NEW_ADDRESS = "500 Howard Street, San Francisco, CA 94105"


@pytest.fixture
def correct_request(maya):
    DataPoint.objects.bulk_create(DataPointMaker(random.Random(2)).rich(maya))
    request = PrivacyRequestFactory(
        kind=Kind.CORRECT, status=Status.FULFILLING, consumer=maya, submission__email=MAYA["email"]
    )
    CorrectionCase.objects.create(request=request, invited_at=timezone.now())
    return request


def point(consumer, type_code: str, system: str = "member_accounts") -> DataPoint:
    return DataPoint.objects.get(consumer=consumer, system__code=system, point_type__code=type_code)


def approve(request, approver, items, capture, *, execute=True):
    correction.correction_submit(request=request, items=items)
    with capture(execute=execute):
        correction.correction_decide(request=request, actor=approver, approve=True, notes="Lease seen.")


def address_change(request) -> list[ItemInput]:
    return [ItemInput(point(request.consumer, "postal_address").pk, NEW_ADDRESS)]


def customers(url: str) -> dict[int, dict]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(external_schema.customers)).mappings()
            return {row["id"]: dict(row) for row in rows}
    finally:
        engine.dispose()


def completed_mails(outbox) -> list:
    return [m for m in outbox if "is complete" in m.subject]


@pytest.fixture
def pg_billing(tmp_path, monkeypatch):
    databases = postgres_database(prefix="rk_corr_ext_")
    url = next(databases)
    system = billing_system(tmp_path, monkeypatch, url=url)
    yield system, url
    databases.close()


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_an_approved_correction_is_written_to_an_sql_system_and_the_requester_told_once(
    database, request, correct_request, approver, outbox, django_capture_on_commit_callbacks, tmp_path
):
    if database == "sqlite":
        request.getfixturevalue("billing")
        url = f"sqlite:///{tmp_path / 'billing.sqlite3'}"
    else:
        _system, url = request.getfixturevalue("pg_billing")

    approve(correct_request, approver, address_change(correct_request), django_capture_on_commit_callbacks)

    run = SystemRun.objects.get(request=correct_request, step=SystemRun.Step.CORRECT)
    assert (run.state, run.found, run.corrected) == (R.DONE, 1, 1)
    assert (run.identity_sealed, run.changes_sealed) == ("", "")  # blanked when the run ended
    assert run.outcome == {"types": ["postal_address"]}
    rows = customers(url)
    assert rows[1]["street"] == NEW_ADDRESS and rows[1]["name"] == "Maya Chen"
    assert rows[2]["street"] == "45 Ocean Avenue"  # Diego is untouched
    correct_request.refresh_from_db()
    assert correct_request.status == Status.COMPLETED and correct_request.outcome == "complied"
    [mail] = completed_mails(outbox)
    assert "corrected it in these systems of ours: Billing" in mail.body
    assert NEW_ADDRESS not in mail.body


def test_only_the_systems_whose_data_map_holds_a_corrected_type_get_a_run(
    correct_request, billing, approver, django_capture_on_commit_callbacks
):
    billing.categories.set(billing.categories.exclude(code="identifiers"))  # no longer holds addresses
    approve(correct_request, approver, address_change(correct_request), django_capture_on_commit_callbacks)
    assert not SystemRun.objects.filter(request=correct_request).exists()
    correct_request.refresh_from_db()
    assert correct_request.status == Status.COMPLETED


def test_never_disclosed_and_image_types_are_never_sent_to_a_system(correct_request, billing, tmp_path):
    assert systems.system_runs_gather(
        request=correct_request,
        step=SystemRun.Step.CORRECT,
        identity=systems.consumer_identity(correct_request.consumer),
        changes={"payment_card": "4111", "entry_image": "photo.jpg"},
    )
    assert not SystemRun.objects.filter(request=correct_request).exists()

    systems.system_runs_gather(
        request=correct_request,
        step=SystemRun.Step.CORRECT,
        identity=systems.consumer_identity(correct_request.consumer),
        changes={"payment_card": "4111", "postal_address": NEW_ADDRESS},
    )
    run = SystemRun.objects.get(request=correct_request)
    assert systems._unseal_changes(run.changes_sealed) == {"postal_address": NEW_ADDRESS}
    assert systems.system_run_execute(run_id=run.pk)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'billing.sqlite3'}")
    with engine.connect() as conn:
        cards = set(conn.execute(sa.select(external_schema.payments.c.card_last4)).scalars())
    engine.dispose()
    assert cards == {"4242", "1881"}


def test_a_flagged_value_is_not_sent_but_the_typed_ones_are(
    correct_request, billing, approver, django_capture_on_commit_callbacks
):
    passport = point(correct_request.consumer, "passport_number")
    items = [*address_change(correct_request), ItemInput(passport.pk, "")]
    approve(correct_request, approver, items, django_capture_on_commit_callbacks, execute=False)
    run = SystemRun.objects.get(request=correct_request)
    assert systems._unseal_changes(run.changes_sealed) == {"postal_address": NEW_ADDRESS}


def test_the_external_systems_look_the_person_up_by_the_identifiers_held_before_the_correction(
    correct_request, billing, approver, django_capture_on_commit_callbacks, tmp_path
):
    email = point(correct_request.consumer, "email")
    correction.correction_submit(request=correct_request, items=[ItemInput(email.pk, "Maya.New@Example.com")])
    case = CorrectionCase.objects.get(request=correct_request)
    case.contact_confirmed_at = timezone.now()
    case.save(update_fields=["contact_confirmed_at"])
    with django_capture_on_commit_callbacks(execute=False):
        correction.correction_decide(request=correct_request, actor=approver, approve=True, notes="Checked.")
    correct_request.consumer.refresh_from_db()
    assert correct_request.consumer.email == "maya.new@example.com"  # the portal's copy changed at once
    run = SystemRun.objects.get(request=correct_request)
    assert systems._unseal(run.identity_sealed).email == MAYA["email"]
    assert systems.system_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.state, run.corrected) == (R.DONE, 1)
    rows = customers(f"sqlite:///{tmp_path / 'billing.sqlite3'}")
    assert rows[1]["email"] == "maya.new@example.com"  # normalised, as the portal stores it


@pytest.fixture
def unbuilt_billing(tmp_path, monkeypatch, billing):
    """The billing system pointed at an empty database: every query fails (a ConnectorError)."""
    monkeypatch.setenv("BILLING_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    return billing


def test_the_completed_email_waits_for_a_failing_system_and_goes_once_it_recovers(
    correct_request,
    unbuilt_billing,
    approver,
    outbox,
    django_capture_on_commit_callbacks,
    tmp_path,
    monkeypatch,
):
    correction.correction_submit(request=correct_request, items=address_change(correct_request))
    with django_capture_on_commit_callbacks(execute=False):
        correction.correction_decide(
            request=correct_request, actor=approver, approve=True, notes="Lease seen."
        )
    run = SystemRun.objects.get(request=correct_request)
    for retries in range(2):
        with pytest.raises(ConnectorError):
            systems.system_run_execute(run_id=run.pk, retries=retries)
    run.refresh_from_db()
    assert run.state == R.FAILING and run.changes_sealed  # kept (encrypted) for the next attempt
    correct_request.refresh_from_db()
    assert correct_request.status == Status.FULFILLING and not completed_mails(outbox)
    assert correction.correction_complete(request_id=correct_request.pk) is False  # a re-check still waits

    monkeypatch.setenv("BILLING_DATABASE_URL", f"sqlite:///{tmp_path / 'billing.sqlite3'}")
    with django_capture_on_commit_callbacks(execute=True):
        assert systems.system_run_execute(run_id=run.pk, retries=2)
    correct_request.refresh_from_db()
    assert correct_request.status == Status.COMPLETED
    assert len(completed_mails(outbox)) == 1
    assert correction.correction_complete(request_id=correct_request.pk) is False  # nothing goes twice
    assert len(completed_mails(outbox)) == 1


def test_a_skipped_system_is_named_in_the_completed_email(
    correct_request, unbuilt_billing, approver, outbox, django_capture_on_commit_callbacks
):
    approve(correct_request, approver, address_change(correct_request), django_capture_on_commit_callbacks,
            execute=False)  # fmt: skip
    run = SystemRun.objects.get(request=correct_request)
    with django_capture_on_commit_callbacks(execute=True):
        systems.system_run_skip(run_id=run.pk, actor=approver, reason="Billing is being migrated this week.")
    run.refresh_from_db()
    assert run.changes_sealed == "" and run.identity_sealed == ""
    correct_request.refresh_from_db()
    assert correct_request.status == Status.COMPLETED and correct_request.outcome == "partially"
    [mail] = completed_mails(outbox)
    assert "could not correct it ourselves in: Billing" in mail.body


def owner_token(outbox) -> str:
    [message] = [m for m in outbox if m.to == [OWNER]][-1:]
    return message.body.split("/systems/owner/")[1].split("/")[0]


def test_a_manual_systems_owner_is_asked_to_correct_and_confirms(
    correct_request, paper_files, approver, outbox, client, django_capture_on_commit_callbacks
):
    approve(correct_request, approver, address_change(correct_request), django_capture_on_commit_callbacks)
    run = SystemRun.objects.get(request=correct_request, system=paper_files)
    assert run.state == R.WAITING_OWNER
    [owner_mail] = [m for m in outbox if m.to == [OWNER]]
    assert "Correction needed in Paper files" in owner_mail.subject
    assert NEW_ADDRESS not in owner_mail.body and MAYA["email"] not in owner_mail.body
    assert NEW_ADDRESS not in owner_mail.alternatives[0][0]
    assert not completed_mails(outbox)

    token = owner_token(outbox)
    page = client.get(f"/systems/owner/{token}/")
    assert page.status_code == 200
    assert NEW_ADDRESS.encode() in page.content and MAYA["email"].encode() in page.content
    assert b"Postal address" in page.content

    refused = client.post(f"/systems/owner/{token}/", {"action": "corrected", "count": "0"})
    assert refused.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/systems/owner/{token}/", {"action": "corrected", "count": "2"})
    assert response.status_code == 200 and b"Thank you" in response.content
    run.refresh_from_db()
    assert (run.state, run.corrected, run.changes_sealed, run.identity_sealed) == (R.DONE, 2, "", "")
    assert OwnerTask.objects.get(run=run).answer == OwnerTask.Answer.CORRECTED
    correct_request.refresh_from_db()
    assert correct_request.status == Status.COMPLETED
    [mail] = completed_mails(outbox)
    assert "Paper files" in mail.body
    assert client.get(f"/systems/owner/{token}/").status_code == 410  # one answer


def test_a_manual_owner_may_say_the_system_holds_nothing_for_a_correction(
    correct_request, paper_files, approver, outbox, client, django_capture_on_commit_callbacks
):
    approve(correct_request, approver, address_change(correct_request), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/systems/owner/{owner_token(outbox)}/", {"action": "nothing"})
    correct_request.refresh_from_db()
    assert correct_request.status == Status.COMPLETED
    [mail] = completed_mails(outbox)
    assert "these systems of ours" not in mail.body  # held nothing: not corrected there


def test_the_sweeper_completes_a_correction_whose_continuation_was_lost(
    correct_request, billing, approver, outbox, django_capture_on_commit_callbacks, settings
):
    approve(correct_request, approver, address_change(correct_request), django_capture_on_commit_callbacks,
            execute=False)  # fmt: skip
    run = SystemRun.objects.get(request=correct_request)
    systems.system_run_execute(run_id=run.pk)  # its on_commit (the completion) is lost
    SystemRun.objects.filter(pk=run.pk).update(finished_at=timezone.now() - timezone.timedelta(hours=2))
    assert systems.system_runs_sweep()["resumed"] == 1
    correct_request.refresh_from_db()
    assert correct_request.status == Status.COMPLETED and len(completed_mails(outbox)) == 1


def test_no_corrected_value_or_identifier_reaches_a_log_an_event_an_error_or_a_task_argument(
    correct_request,
    billing,
    paper_files,
    approver,
    caplog,
    monkeypatch,
    outbox,
    django_capture_on_commit_callbacks,
):
    caplog.set_level(logging.DEBUG)
    sent = []
    real_apply = systems.system_run_task.apply_async
    monkeypatch.setattr(  # the outbox relay publishes with apply_async
        systems.system_run_task,
        "apply_async",
        lambda args=(), kwargs=None, **kw: (
            sent.append((tuple(args), kwargs or {})),
            real_apply(args=args, kwargs=kwargs, **kw),
        ),
    )
    approve(correct_request, approver, address_change(correct_request), django_capture_on_commit_callbacks)
    assert (
        sent and all(isinstance(a, int) for args, kw in sent for a in args) and all(not kw for _a, kw in sent)
    )
    runs = SystemRun.objects.filter(request=correct_request)
    assert {r.state for r in runs} == {R.DONE, R.WAITING_OWNER}
    stored = str(list(runs.values_list("last_error", "outcome", "identity_sealed", "changes_sealed")))
    events = str(list(RequestEvent.objects.values_list("data", "reason")))
    mails = " ".join(m.subject + m.body for m in outbox if m.to == [OWNER])
    for value in [NEW_ADDRESS, "500 Howard", MAYA["email"], MAYA["phone"], MAYA["member_number"]]:
        assert value not in caplog.text and value not in events and value not in stored and value not in mails
