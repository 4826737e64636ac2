import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from requests_app import rules
from requests_app.exceptions import RequestError
from requests_app.intake.services import privacy_request_submit
from requests_app.models import (
    Declaration,
    Kind,
    PrivacyRequest,
    RequestEvent,
    Status,
    Submission,
    VerificationState,
)
from requests_app.requester import RequesterDetails
from requests_app.states import state_change
from requests_app.verify import services as flow
from tests.factories import PrivacyRequestFactory, SubmissionFactory
from tests.mfa_support import staff_login
from tests.requests_app.flow_helpers import IP, MAYA, Driver, code_sent_to, maya_consumer
from verification.exceptions import VerificationError
from verification.sms import LocmemBackend

pytestmark = pytest.mark.django_db

ONE_POINT = {"first_name": "Zed", "last_name": "Quinn", "email": MAYA["email"]}
TWO_POINTS = {"first_name": "Maya", "last_name": "Chen", "email": MAYA["email"]}
THREE_POINTS = {**TWO_POINTS, "date_of_birth": MAYA["date_of_birth"]}
PROFILES = {1: ONE_POINT, 2: TWO_POINTS, 3: THREE_POINTS}


@pytest.fixture
def driver(outbox, django_capture_on_commit_callbacks):
    return Driver(outbox, django_capture_on_commit_callbacks)


@pytest.fixture(autouse=True)
def _staff_review_everything(settings):
    settings.AUTO_APPROVE_VERIFIED_KINDS = []
    LocmemBackend.outbox.clear()


MATRIX = [
    # kind, points, sensitive records, declaration signed -> status, kind afterwards, level, reason code
    (
        Kind.KNOW_CATEGORIES,
        1,
        False,
        False,
        Status.UNVERIFIABLE,
        Kind.KNOW_CATEGORIES,
        "",
        "no_matching_records",
    ),
    (Kind.KNOW_CATEGORIES, 2, False, False, Status.IN_REVIEW, Kind.KNOW_CATEGORIES, "standard", "verified"),
    (Kind.KNOW_CATEGORIES, 2, True, False, Status.IN_REVIEW, Kind.KNOW_CATEGORIES, "standard", "verified"),
    (
        Kind.ACCESS_SPECIFIC,
        1,
        False,
        True,
        Status.UNVERIFIABLE,
        Kind.ACCESS_SPECIFIC,
        "",
        "no_matching_records",
    ),
    (Kind.ACCESS_SPECIFIC, 2, False, True, Status.IN_REVIEW, Kind.KNOW_CATEGORIES, "standard", "verified"),
    (Kind.ACCESS_SPECIFIC, 3, False, True, Status.IN_REVIEW, Kind.ACCESS_SPECIFIC, "high", "verified"),
    (Kind.ACCESS_SPECIFIC, 3, False, False, Status.IN_REVIEW, Kind.KNOW_CATEGORIES, "standard", "verified"),
    (Kind.DELETE, 1, False, False, Status.UNVERIFIABLE, Kind.DELETE, "", "no_matching_records"),
    (Kind.DELETE, 2, False, False, Status.IN_REVIEW, Kind.DELETE, "standard", "verified"),
    (Kind.DELETE, 2, True, False, Status.UNVERIFIABLE, Kind.DELETE, "", "insufficient_match"),
    (Kind.DELETE, 3, True, False, Status.IN_REVIEW, Kind.DELETE, "high", "verified"),
    (Kind.CORRECT, 2, False, False, Status.IN_REVIEW, Kind.CORRECT, "standard", "verified"),
    (Kind.CORRECT, 2, True, False, Status.UNVERIFIABLE, Kind.CORRECT, "", "insufficient_match"),
    (Kind.CORRECT, 3, True, False, Status.IN_REVIEW, Kind.CORRECT, "high", "verified"),
]


@pytest.mark.parametrize(
    ("kind", "points", "sensitive", "declare", "status", "kind_after", "level", "reason"),
    MATRIX,
    ids=[
        f"{m[0]}-{m[1]}pts-{'sensitive' if m[2] else 'plain'}-{'declared' if m[3] else 'undeclared'}"
        for m in MATRIX
    ],
)
def test_kind_and_points_decide_the_outcome(
    driver, kind, points, sensitive, declare, status, kind_after, level, reason
):
    consumer = maya_consumer(sensitive=sensitive)
    submission = driver.run([kind], declare=declare, **PROFILES[points])

    request = submission.requests.get()
    assert (request.status, request.kind, request.verification_level) == (status, kind_after, level)
    last = request.events.filter(to_status=status).get()
    assert last.reason == reason
    if status == Status.IN_REVIEW:
        assert request.consumer == consumer
        assert len(request.matched_fields) == points and "email" in request.matched_fields
    else:
        assert request.consumer is None


def test_specific_pieces_with_two_points_are_answered_as_categories_and_the_requester_is_told_why(
    driver, outbox
):
    maya_consumer()
    submission = driver.run([Kind.ACCESS_SPECIFIC], **TWO_POINTS)

    request = submission.requests.get()
    changed = request.events.get(name="requests.request.kind_changed")
    assert changed.data == {
        "from": "access_specific",
        "to": "know_categories",
        "reason": "specific_as_categories_points",
    }
    assert "we matched two, so we are answering with the categories" in outbox[-1].body


def test_matched_fields_are_names_never_values(driver):
    maya_consumer()
    submission = driver.run([Kind.KNOW_CATEGORIES], **MAYA)
    request = submission.requests.get()
    assert request.matched_fields == ["email", "phone", "member_number", "name", "street_zip", "dob"]
    for event in RequestEvent.objects.filter(request=request):
        assert "maya" not in str(event.data).lower() and "555" not in str(event.data)


def test_verified_kinds_listed_in_settings_go_straight_to_fulfilment(driver, settings):
    settings.AUTO_APPROVE_VERIFIED_KINDS = ["know_categories"]
    maya_consumer()
    submission = driver.run([Kind.KNOW_CATEGORIES, Kind.DELETE], **MAYA)
    statuses = dict(submission.requests.values_list("kind", "status"))
    # Tasks run eagerly here, so the approved access request is carried out at once.
    assert statuses == {"know_categories": Status.COMPLETED, "delete": Status.IN_REVIEW}
    know = submission.requests.get(kind=Kind.KNOW_CATEGORIES)
    assert know.events.filter(name="requests.request.approved", actor__isnull=True).exists()


def test_an_unverifiable_delete_is_told_the_reason_and_offered_the_opt_out(driver, outbox):
    maya_consumer(sensitive=True)
    driver.run([Kind.DELETE], **TWO_POINTS)
    result = outbox[-1]
    assert result.to == [MAYA["email"]] and "verification result" in result.subject
    assert "did not match our records closely enough" in result.body
    assert "/do-not-sell/" in result.body


def test_no_consumer_found_closes_the_request_and_says_so_only_on_the_page(driver, outbox):
    submission = driver.submit(
        [Kind.KNOW_CATEGORIES], first_name="Zed", last_name="Quinn", email="zed@example.net"
    )
    sent = len(outbox)
    state = driver.prove_typed(submission)
    assert state.match_outcome == "none"
    assert submission.requests.get().status == Status.UNVERIFIABLE
    assert len(outbox) == sent  # no e-mail about it


def test_ambiguous_matches_go_to_staff_review_with_a_flag(driver):
    maya_consumer(
        email="jordan.kim@example.com",
        first_name="Jordan",
        last_name="Kim",
        phone="+14155550104",
        member_number="RN00000004",
    )
    maya_consumer(
        email="jkim.family@example.com",
        first_name="Jordan",
        last_name="Kim",
        phone="+14155550104",
        member_number="RN00000005",
    )
    submission = driver.run(
        [Kind.KNOW_CATEGORIES],
        first_name="Jordan",
        last_name="Kim",
        email="jordan.kim@example.com",
        phone="+14155550104",
    )
    request = submission.requests.get()
    assert request.status == Status.IN_REVIEW and request.consumer is None
    assert request.events.get(to_status=Status.IN_REVIEW).data == {"ambiguous": True, "candidates": 2}


def test_impersonation_with_public_facts_does_not_verify_because_the_code_goes_to_the_address_on_record(
    driver, outbox
):
    maya_consumer()
    impostor = {**MAYA, "email": "maya.chen.real@example.net", "member_number": ""}
    submission = driver.submit([Kind.ACCESS_SPECIFIC, Kind.DELETE], **impostor)
    driver.prove_typed(submission)  # the impostor controls their own address
    state = driver.sign(submission)

    assert state.step == VerificationState.Step.CONTACT_CODE
    assert outbox[-1].to == [MAYA["email"]]  # the second code goes to Maya, never to the typed address
    assert "do not share this code" in outbox[-1].body
    for guess in ("000000", "123456", "999999"):
        with pytest.raises(VerificationError):
            flow.verification_contact_code_check(submission_id=submission.pk, code=guess, ip=IP)
    for request in submission.requests.all():
        assert request.status == Status.AWAITING_VERIFICATION and request.consumer is None


def test_the_real_person_with_a_new_address_verifies_through_the_code_on_record(driver, outbox):
    consumer = maya_consumer()
    submission = driver.submit([Kind.KNOW_CATEGORIES], **{**MAYA, "email": "maya@new-job.example"})
    driver.prove_typed(submission)
    driver.prove_contact(submission, MAYA["email"])
    request = submission.requests.get()
    assert request.status == Status.IN_REVIEW and request.consumer == consumer
    assert "email" in request.matched_fields
    assert outbox[-1].to == ["maya@new-job.example"]  # the result goes to the proven typed address


def test_without_an_email_on_record_the_second_code_goes_by_text_message_to_the_phone_on_record(driver):
    maya_consumer(email="")
    submission = driver.submit([Kind.KNOW_CATEGORIES], **{**MAYA, "email": "maya@new-job.example"})
    state = driver.prove_typed(submission)
    assert state.contact_channel == "phone"
    to, body = LocmemBackend.outbox[-1]
    assert to == MAYA["phone"]
    code = re.search(r"\b(\d{6})\b", body).group(1)
    flow.verification_contact_code_check(submission_id=submission.pk, code=code, ip=IP)
    assert submission.requests.get().status == Status.IN_REVIEW


def test_a_spanish_requests_text_message_code_and_verification_result_are_in_spanish(
    driver, outbox, django_capture_on_commit_callbacks
):
    maya_consumer(email="")
    typed = RequesterDetails(**{**MAYA, "email": "maya@new-job.example"})
    with django_capture_on_commit_callbacks(execute=True):
        [request] = privacy_request_submit(
            kinds=[Kind.KNOW_CATEGORIES], requester=typed, language="es", ip=IP
        )
    driver.prove_typed(request.submission)
    _to, body = LocmemBackend.outbox[-1]
    assert body.startswith("RakuNest Privacidad: su código para confirmar una solicitud de privacidad es ")
    code = re.search(r"\b(\d{6})\b", body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        flow.verification_contact_code_check(submission_id=request.submission_id, code=code, ip=IP)
    result = outbox[-1]
    assert (
        result.subject == "Su solicitud de privacidad de RakuNest: resultado de la verificación de identidad"
    )
    assert (
        "Saber qué categorías de información tenemos — En revisión. Su identidad está confirmada."
        in result.body
    )
    assert "Siguiente paso: preparamos su informe" in result.body


def test_a_code_for_one_submission_does_not_verify_another(driver, outbox):
    maya_consumer()
    first = driver.submit([Kind.KNOW_CATEGORIES], **MAYA)
    first_code = code_sent_to(outbox, MAYA["email"])
    second = driver.submit([Kind.KNOW_CATEGORIES], **{**MAYA, "email": "other@example.net"})
    with pytest.raises(VerificationError):
        flow.verification_typed_code_check(submission_id=second.pk, code=first_code, ip=IP)
    assert second.requests.get().status == Status.AWAITING_VERIFICATION
    assert first.requests.get().status == Status.AWAITING_VERIFICATION


def test_a_reused_code_is_refused(driver, outbox):
    maya_consumer()
    submission = driver.submit([Kind.ACCESS_SPECIFIC], **MAYA)
    code = code_sent_to(outbox, MAYA["email"])
    flow.verification_typed_code_check(submission_id=submission.pk, code=code, ip=IP)
    VerificationState.objects.filter(submission=submission).update(step=VerificationState.Step.TYPED_CODE)
    with pytest.raises(VerificationError):
        flow.verification_typed_code_check(submission_id=submission.pk, code=code, ip=IP)


def test_the_sixth_attempt_is_refused_and_a_new_code_can_be_asked_for(driver, outbox):
    maya_consumer()
    submission = driver.submit([Kind.KNOW_CATEGORIES], **MAYA)
    code = code_sent_to(outbox, MAYA["email"])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(VerificationError):
            flow.verification_typed_code_check(submission_id=submission.pk, code=wrong, ip=IP)
    with pytest.raises(VerificationError):
        flow.verification_typed_code_check(submission_id=submission.pk, code=code, ip=IP)

    with driver.capture(execute=True):
        flow.verification_code_resend(submission_id=submission.pk)
    driver.prove_typed(submission)
    assert submission.requests.get().status == Status.IN_REVIEW


def test_the_declaration_is_stored_with_time_version_hashed_ip_and_user_agent(driver):
    maya_consumer()
    submission = driver.run([Kind.ACCESS_SPECIFIC], **MAYA)
    declaration = Declaration.objects.get(submission=submission)
    assert declaration.statement_version == flow.DECLARATION_VERSION
    assert declaration.signed_name == "Maya Chen" and declaration.user_agent == "pytest"
    assert declaration.ip_hash and IP not in declaration.ip_hash
    assert declaration.signed_at is not None


def test_a_declaration_signed_with_another_name_is_refused(driver):
    maya_consumer()
    submission = driver.submit([Kind.ACCESS_SPECIFIC], **MAYA)
    driver.prove_typed(submission)
    with pytest.raises(VerificationError):
        driver.sign(submission, name="Eve Mallory")
    assert not Declaration.objects.exists()


def test_opt_out_needs_no_verification_and_gets_no_code(driver, outbox):
    submission = driver.submit([Kind.OPT_OUT], **MAYA)
    assert not VerificationState.objects.filter(submission=submission).exists()
    # The acknowledgement and the opt-out's own confirmation; never a verification code.
    assert not [m for m in outbox if "confirm your e-mail" in m.subject]
    assert any("received your privacy request" in m.subject for m in outbox)


# --- The twice-in-12-months limit ------------------------------------------------------------------


def _earlier_request(
    consumer, *, days_ago: int, status=Status.COMPLETED, kind=Kind.KNOW_CATEGORIES, email=MAYA["email"]
):
    return PrivacyRequestFactory(
        consumer=consumer,
        kind=kind,
        status=status,
        received_at=timezone.now() - timedelta(days=days_ago),
        submission=SubmissionFactory(email=email),
    )


def test_third_access_request_in_a_year_is_refused_with_the_date_of_the_next(driver, outbox):
    consumer = maya_consumer()
    oldest = _earlier_request(consumer, days_ago=100)
    _earlier_request(consumer, days_ago=10, kind=Kind.ACCESS_SPECIFIC)
    submission = driver.run([Kind.KNOW_CATEGORIES, Kind.DELETE], **MAYA)

    know = submission.requests.get(kind=Kind.KNOW_CATEGORIES)
    assert (know.status, know.denial_reason) == (Status.DENIED, "too_many_requests")
    next_allowed = timezone.localdate(
        oldest.received_at.replace(year=oldest.received_at.year + 1)
    ) + timedelta(days=1)
    assert know.events.get(to_status=Status.DENIED).data["next_allowed"] == next_allowed.isoformat()
    assert next_allowed.strftime("%B %-d, %Y") in outbox[-1].body
    assert submission.requests.get(kind=Kind.DELETE).status == Status.IN_REVIEW  # deletion is not limited


def test_the_limit_counts_the_person_across_a_changed_email(driver):
    consumer = maya_consumer()
    _earlier_request(consumer, days_ago=200, email="maya@old-job.example")
    _earlier_request(consumer, days_ago=30, email="maya@old-job.example")
    submission = driver.submit([Kind.KNOW_CATEGORIES], **{**MAYA, "email": "maya@new-job.example"})
    driver.prove_typed(submission)
    driver.prove_contact(submission, MAYA["email"])
    assert submission.requests.get().denial_reason == "too_many_requests"


@pytest.mark.parametrize("status", [Status.UNVERIFIABLE, Status.WITHDRAWN])
def test_requests_that_ended_unverifiable_or_withdrawn_do_not_count(driver, status):
    consumer = maya_consumer()
    _earlier_request(consumer, days_ago=50)
    _earlier_request(consumer, days_ago=20, status=status)
    submission = driver.run([Kind.KNOW_CATEGORIES], **MAYA)
    assert submission.requests.get().status == Status.IN_REVIEW


def test_requests_older_than_twelve_months_do_not_count(driver):
    consumer = maya_consumer()
    _earlier_request(consumer, days_ago=400)
    _earlier_request(consumer, days_ago=20)
    submission = driver.run([Kind.KNOW_CATEGORIES], **MAYA)
    assert submission.requests.get().status == Status.IN_REVIEW


def test_categories_and_specific_pieces_in_one_submission_count_once(driver):
    maya_consumer()
    first = driver.run([Kind.KNOW_CATEGORIES, Kind.ACCESS_SPECIFIC], **MAYA)
    second = driver.run([Kind.KNOW_CATEGORIES, Kind.ACCESS_SPECIFIC], **MAYA)
    third = driver.run([Kind.KNOW_CATEGORIES], **MAYA)
    assert set(first.requests.values_list("status", flat=True)) == {Status.IN_REVIEW}
    assert set(second.requests.values_list("status", flat=True)) == {Status.IN_REVIEW}
    assert third.requests.get().denial_reason == "too_many_requests"


def test_the_next_allowed_date_after_a_leap_day_is_march_the_second():
    consumer = maya_consumer()
    received = timezone.make_aware(timezone.datetime(2024, 2, 29, 12, 0))
    for _ in range(2):
        PrivacyRequestFactory(consumer=consumer, status=Status.COMPLETED, received_at=received)
    at = received + timedelta(days=30)
    assert rules.access_limit_next_allowed(consumer=consumer, at=at, exclude_submission_id=0) == date(
        2025, 3, 2
    )


# --- Purge when the submission closes --------------------------------------------------------------


def test_verification_data_is_blanked_when_every_request_of_the_submission_is_closed(driver):
    maya_consumer(sensitive=True)
    submission = driver.run([Kind.ACCESS_SPECIFIC, Kind.DELETE], declare=True, **MAYA)
    access = submission.requests.get(kind=Kind.ACCESS_SPECIFIC)
    delete = submission.requests.get(kind=Kind.DELETE)
    assert delete.status == Status.IN_REVIEW

    with driver.capture(execute=True):
        flow.request_transition(request=access, to=Status.WITHDRAWN)
    submission.refresh_from_db()
    assert submission.personal_data_purged_at is None and submission.phone  # one request still open

    with driver.capture(execute=True):
        flow.request_transition(request=delete, to=Status.DENIED, denial_reason="exception")
    submission = Submission.objects.get(pk=submission.pk)
    assert submission.personal_data_purged_at is not None
    assert (submission.first_name, submission.phone, submission.street, submission.zip5) == ("", "", "", "")
    assert submission.date_of_birth is None and submission.member_number == "" and submission.ip_hash == ""
    assert submission.email == MAYA["email"]  # the answer still goes there
    declaration = Declaration.objects.get(submission=submission)
    assert (declaration.signed_name, declaration.ip_hash, declaration.user_agent) == ("", "", "")
    assert declaration.signed_at and declaration.statement_version
    event = delete.events.get(name="requests.submission.verification_data_purged")
    assert "phone" in event.data["fields"] and event.data["outcome"] == Status.DENIED
    assert event.data["declarations"] == 1


def test_the_sweep_purges_closed_submissions_the_hook_left(driver):
    submission = driver.run(
        [Kind.KNOW_CATEGORIES], first_name="Zed", last_name="Quinn", email="zed@example.net"
    )
    Submission.objects.filter(pk=submission.pk).update(personal_data_purged_at=None, first_name="Zed")
    assert PrivacyRequest.objects.get(submission=submission).is_closed
    assert flow.purge_closed_submissions() == 1
    assert Submission.objects.get(pk=submission.pk).first_name == ""


# --- The state machine of a verification -----------------------------------------------------------


def test_the_verification_table_has_a_row_for_every_step_and_leads_only_to_steps():
    steps = set(VerificationState.Step.values)
    assert set(flow.VERIFICATION_STEPS) == steps
    assert set().union(*flow.VERIFICATION_STEPS.values()) <= steps


def test_a_finished_verification_cannot_go_back_to_the_contact_code():
    request = PrivacyRequestFactory(status=Status.IN_REVIEW)
    state = VerificationState.objects.create(submission=request.submission, step=VerificationState.Step.DONE)

    with pytest.raises(RequestError) as refused:
        state_change(
            obj=state,
            field="step",
            to=VerificationState.Step.CONTACT_CODE,
            table=flow.VERIFICATION_STEPS,
            request=[request],
            event="requests.verification.step.contact_code",
            contact_channel="email",
        )

    assert refused.value.code == "illegal_state_change"
    state.refresh_from_db()
    assert (state.step, state.contact_channel) == (VerificationState.Step.DONE, "")
    assert not RequestEvent.objects.filter(request=request).exists()


def test_each_step_of_a_verification_is_recorded_with_its_from_and_to(driver, outbox):
    maya_consumer()
    submission = driver.submit([Kind.KNOW_CATEGORIES], **{**MAYA, "email": "maya@new-job.example"})
    driver.prove_typed(submission)
    driver.prove_contact(submission, MAYA["email"])

    request = submission.requests.get()
    moves = [e.data for e in request.events.filter(name__startswith="requests.verification.step.")]
    assert moves == [{"from": "typed_code", "to": "contact_code"}, {"from": "contact_code", "to": "done"}]


# --- What the requester and staff read after an ambiguous match or no match (issue 15, item 4) --------


def _two_jordans():
    first = maya_consumer(
        email="jordan.kim@example.com",
        first_name="Jordan",
        last_name="Kim",
        phone="+14155550104",
        member_number="RN00000004",
    )
    second = maya_consumer(
        email="jkim.family@example.com",
        first_name="Jordan",
        last_name="Kim",
        phone="+14155550104",
        member_number="RN00000005",
    )
    return first, second


def _status_page(client, request) -> str:
    from django.urls import reverse

    from requests_app.web import STATUS_ACCESS_KEY

    session = client.session
    session[STATUS_ACCESS_KEY] = {"id": request.pk, "until": timezone.now().timestamp() + 600}
    session.save()
    return client.get(reverse("requests_app:status_view")).content.decode()


def test_an_ambiguous_match_never_tells_the_requester_their_identity_is_confirmed(driver, client):
    _two_jordans()
    submission = driver.run(
        [Kind.KNOW_CATEGORIES],
        first_name="Jordan",
        last_name="Kim",
        email="jordan.kim@example.com",
        phone="+14155550104",
    )
    request = submission.requests.get()
    assert request.status == Status.IN_REVIEW
    page = _status_page(client, request)
    assert "identity is confirmed" not in page
    assert "match more than one of our records" in page
    assert "identity is confirmed" not in flow.request_outcome_text(request)


def test_no_matching_records_does_not_read_as_a_failed_identity_check(driver, client, outbox):
    submission = driver.submit(
        [Kind.KNOW_CATEGORIES], first_name="Zed", last_name="Quinn", email="zed@example.net"
    )
    driver.prove_typed(submission)
    request = submission.requests.get()
    assert (request.status, request.denial_reason) == (Status.UNVERIFIABLE, "no_matching_records")
    page = _status_page(client, request)
    assert "could not be verified" not in page and "could not verify your identity" not in page
    assert "no records" in page.lower()
    assert "confirmed your e-mail address" in page


def test_the_staff_page_of_an_ambiguous_match_shows_each_candidate_and_what_matched(driver, client):
    from django.urls import reverse

    from tests.factories import staff_member

    first, second = _two_jordans()
    submission = driver.run(
        [Kind.KNOW_CATEGORIES],
        first_name="Jordan",
        last_name="Kim",
        email="jordan.kim@example.com",
        phone="+14155550104",
    )
    request = submission.requests.get()
    staff_login(client, staff_member("ana", "analyst"))
    page = client.get(reverse("staff:request_detail", args=[request.reference])).content.decode()
    start = page.index("Candidate records")
    panel = page[start : page.index("</table>", start)]
    assert f"consumer #{first.pk}" in panel and f"consumer #{second.pk}" in panel
    first_row = panel[panel.index(f"consumer #{first.pk}") :].split("</tr>", 1)[0]
    second_row = panel[panel.index(f"consumer #{second.pk}") :].split("</tr>", 1)[0]
    assert "e-mail, phone, name" in first_row
    assert "e-mail" not in second_row and "phone, name" in second_row
    assert "2 records cleared the bar" in page
