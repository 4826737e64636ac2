"""The permission matrix: every role against every staff action, and who may open each page."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from records.models import Recipient, System
from requests_app.appeals.models import Appeal
from requests_app.appeals.services import appeal_submit
from requests_app.fulfilment import FULFILMENT_TASKS
from requests_app.intake.tasks import sweep_stuck_requests
from requests_app.models import (
    AgentAuthorization,
    CorrectionCase,
    Kind,
    ProcessorNotice,
    RequestEvent,
    Status,
    SystemRun,
)
from staff.models import DenialReasonTemplate, VerificationLowering
from staff.permissions import ROLE_ACTIONS, Action, Role, staff_request_get, user_actions
from staff.services import request_deny
from tests.factories import ConsumerFactory, PrivacyRequestFactory
from tests.mfa_support import staff_login

from .conftest import signed_in

pytestmark = pytest.mark.django_db

CONFIRM = {"confirm": "on"}


def _prepare(action: str, other_approver):
    """A request in the state where `action` succeeds, and the POST data that performs it."""
    if action == "approve":
        return PrivacyRequestFactory(status=Status.IN_REVIEW, consumer=ConsumerFactory()), {"reason": ""}
    if action == "deny":
        template = DenialReasonTemplate.objects.get(code="fraud")
        return PrivacyRequestFactory(status=Status.IN_REVIEW), {"template": template.pk, "text": "x"}
    if action == "extend":
        return PrivacyRequestFactory(), {"reason": "We need records from a partner system."}
    if action == "assign":
        return PrivacyRequestFactory(), {"assignee": other_approver.pk}
    if action == "note":
        return PrivacyRequestFactory(), {"text": "Called the requester."}
    if action == "request-info":
        return PrivacyRequestFactory(), {"message": "Which location did you visit?"}
    if action == "rerun":
        return PrivacyRequestFactory(status=Status.FULFILLING), {}
    if action == "manual-complete":
        r = PrivacyRequestFactory(kind=Kind.ADMT_ACCESS, status=Status.FULFILLING)
        return r, {"notes": "Sent the ADMT access response by e-mail on 3 May."}
    if action == "lower-propose":
        return PrivacyRequestFactory(), {"level": "reasonable", "reason": "Phone call matched 2 points."}
    if action in ("lower-confirm", "lower-withdraw"):
        r = PrivacyRequestFactory()
        VerificationLowering.objects.create(
            request=r, level="reasonable", reason="ok", proposed_by=other_approver
        )
        return r, {}
    if action in ("agent-document-accept", "agent-document-reject"):
        r = PrivacyRequestFactory(status=Status.IN_REVIEW)
        AgentAuthorization.objects.create(
            submission=r.submission, agent_name="Alex Rivera", agent_email="alex@agents.example"
        )
        return r, {"note": "Signed and dated." if action.endswith("accept") else "Not signed."}
    if action in ("processor-confirm", "processor-resend"):
        r = PrivacyRequestFactory(kind=Kind.DELETE, status=Status.FULFILLING)
        confirm = action == "processor-confirm"
        notice = ProcessorNotice.objects.create(
            request=r,
            recipient=Recipient.objects.get(code="event_registration"),
            action="delete",
            method="email",
            status=ProcessorNotice.State.SENT if confirm else ProcessorNotice.State.FAILED,
        )
        return r, {"notice": notice.pk, "outcome": "completed", "note": "Reply of 3 May."}
    if action == "correction-decide":
        r = PrivacyRequestFactory(kind=Kind.CORRECT, status=Status.FULFILLING)
        CorrectionCase.objects.create(request=r, state=CorrectionCase.State.SUBMITTED)
        return r, {"decision": "deny", "notes": "Records checked.", "basis": "The records are accurate."}
    if action in ("system-skip", "system-retry"):
        r = PrivacyRequestFactory(kind=Kind.DELETE, status=Status.FULFILLING)
        system = System.objects.get(code="webinar_registrations")
        run = SystemRun.objects.create(request=r, system=system, step="erase", state=SystemRun.State.FAILING)
        return r, {"run": run.pk, "reason": "The vendor closed the account; nothing is left there."}
    raise AssertionError(action)


ACTION_PERMISSION = {
    "approve": Action.APPROVE,
    "deny": Action.DENY,
    "extend": Action.EXTEND,
    "assign": Action.ASSIGN,
    "note": Action.NOTE,
    "request-info": Action.REQUEST_INFO,
    "rerun": Action.RERUN_FULFILMENT,
    "manual-complete": Action.APPROVE,
    "lower-propose": Action.LOWER_VERIFICATION,
    "lower-confirm": Action.LOWER_VERIFICATION,
    "lower-withdraw": Action.LOWER_VERIFICATION,
    "agent-document-accept": Action.REVIEW_AGENT_DOCUMENT,
    "agent-document-reject": Action.REVIEW_AGENT_DOCUMENT,
    "processor-confirm": Action.RECORD_PROCESSOR_CONFIRMATION,
    "processor-resend": Action.RESEND_PROCESSOR_NOTICE,
    "correction-decide": Action.DECIDE_CORRECTION,
    "system-skip": Action.SKIP_SYSTEM,
    "system-retry": Action.RETRY_SYSTEM,
}


def test_the_matrix_covers_every_action_of_the_request_page():
    from staff.views import ACTIONS

    assert set(ACTIONS) == set(ACTION_PERMISSION)
    assert all(ACTIONS[slug][0] == permission for slug, permission in ACTION_PERMISSION.items())


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(ACTION_PERMISSION))
def test_each_role_may_do_exactly_the_actions_of_its_row(role, action, staff_user_factory, monkeypatch):
    monkeypatch.setitem(FULFILMENT_TASKS, "know_categories", sweep_stuck_requests)
    user = staff_user_factory(f"u_{role}", role)
    other = staff_user_factory("other_approver", Role.APPROVER)
    privacy_request, data = _prepare(action, other)
    before = RequestEvent.objects.filter(request=privacy_request).count()

    response = signed_in(user).post(
        reverse("staff:request_action", args=[privacy_request.reference, action]), {**data, **CONFIRM}
    )

    allowed = ACTION_PERMISSION[action] in ROLE_ACTIONS[role]
    if allowed:
        assert response.status_code == 302
        assert RequestEvent.objects.filter(request=privacy_request, actor=user).exists()
    else:
        assert response.status_code == 403
        assert RequestEvent.objects.filter(request=privacy_request).count() == before


def test_a_viewer_trying_to_approve_gets_403_and_the_request_stays_in_review(viewer_client):
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW)
    response = viewer_client.post(
        reverse("staff:request_action", args=[privacy_request.reference, "approve"]), CONFIRM
    )
    assert response.status_code == 403
    privacy_request.refresh_from_db()
    assert privacy_request.status == Status.IN_REVIEW


def test_the_roles_build_on_each_other():
    assert ROLE_ACTIONS[Role.VIEWER] < ROLE_ACTIONS[Role.ANALYST] < ROLE_ACTIONS[Role.APPROVER]
    assert ROLE_ACTIONS[Role.APPROVER] < ROLE_ACTIONS[Role.ADMIN]
    assert Action.VIEW_PERSONAL_DATA not in ROLE_ACTIONS[Role.VIEWER]
    assert Action.APPROVE not in ROLE_ACTIONS[Role.ANALYST]
    assert Action.EXPORT_LOG not in ROLE_ACTIONS[Role.APPROVER]
    assert Action.RECORD_PROCESSOR_CONFIRMATION in ROLE_ACTIONS[Role.ANALYST]
    assert Action.RESEND_PROCESSOR_NOTICE in ROLE_ACTIONS[Role.ANALYST]
    assert Action.REVIEW_AGENT_DOCUMENT not in ROLE_ACTIONS[Role.ANALYST]
    assert Action.DECIDE_CORRECTION not in ROLE_ACTIONS[Role.ANALYST]
    assert Action.SKIP_SYSTEM in ROLE_ACTIONS[Role.APPROVER] - ROLE_ACTIONS[Role.ANALYST]
    assert Action.RETRY_SYSTEM in ROLE_ACTIONS[Role.ANALYST]


def test_an_inactive_or_anonymous_user_has_no_actions(analyst):
    analyst.is_active = False
    assert user_actions(analyst) == frozenset()
    assert user_actions(AnonymousUser()) == frozenset()


@pytest.mark.parametrize("role", list(Role))
def test_bulk_assign_is_for_analysts_and_above(role, staff_user_factory):
    user = staff_user_factory(f"bulk_{role}", role)
    requests = PrivacyRequestFactory.create_batch(3)
    response = signed_in(user).post(
        reverse("staff:bulk_assign"),
        {"references": [r.reference for r in requests], "assignee": user.pk, **CONFIRM},
    )
    assigned = sum(1 for r in requests if (r.refresh_from_db() or r.assignee_id == user.pk))
    if Action.ASSIGN in ROLE_ACTIONS[role]:
        assert response.status_code == 302 and assigned == 3
    else:
        assert response.status_code == 403 and assigned == 0


@pytest.mark.parametrize("role", list(Role))
def test_deciding_an_appeal_is_for_approvers_and_admins(role, staff_user_factory):
    denier = staff_user_factory("denier", Role.APPROVER)
    user = staff_user_factory(f"appeal_{role}", role)
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW)
    request_deny(
        request=privacy_request, actor=denier, template=DenialReasonTemplate.objects.get(code="fraud")
    )
    appeal_submit(request_id=privacy_request.pk, statement="It was me.")

    response = signed_in(user).post(
        reverse("staff:appeal_decide", args=[privacy_request.reference]),
        {"decision": "upheld", "explanation": "The documents do not match.", **CONFIRM},
    )

    decided = Appeal.objects.get(request=privacy_request).decided_at is not None
    if Action.DECIDE_APPEAL in ROLE_ACTIONS[role]:
        assert response.status_code == 302 and decided
    else:
        assert response.status_code == 403 and not decided


PAGES = [
    ("staff:queue", Action.VIEW_QUEUE),
    ("staff:appeals", Action.VIEW_QUEUE),
    ("staff:metrics", Action.VIEW_METRICS),
    ("staff:metrics_csv", Action.VIEW_METRICS),
    ("staff:request_log_csv", Action.EXPORT_LOG),
]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("page", "action"), PAGES)
def test_who_may_open_each_staff_page(role, page, action, staff_user_factory):
    user = staff_user_factory(f"page_{role}", role)
    response = signed_in(user).get(reverse(page))
    assert response.status_code == (200 if action in ROLE_ACTIONS[role] else 403)


@pytest.mark.parametrize(("page", "action"), PAGES)
def test_staff_pages_send_strangers_to_the_login_and_refuse_users_without_a_role(
    page, action, client, no_role_user
):
    response = client.get(reverse(page))
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    assert signed_in(no_role_user).get(reverse(page)).status_code == 403


def test_every_action_refuses_get(approver_client):
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW)
    response = approver_client.get(
        reverse("staff:request_action", args=[privacy_request.reference, "approve"])
    )
    assert response.status_code == 405


def test_approving_a_deletion_without_the_confirmation_tick_does_nothing_and_says_so(approver_client):
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW, kind="delete")
    response = approver_client.post(
        reverse("staff:request_action", args=[privacy_request.reference, "approve"]), follow=True
    )
    assert "Tick the box to confirm." in response.content.decode()  # a visible message, not a tooltip
    privacy_request.refresh_from_db()
    assert privacy_request.status == Status.IN_REVIEW


def test_actions_need_a_csrf_token(approver):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    staff_login(client, approver)
    privacy_request = PrivacyRequestFactory(status=Status.IN_REVIEW)
    response = client.post(
        reverse("staff:request_action", args=[privacy_request.reference, "approve"]), CONFIRM
    )
    assert response.status_code == 403
    privacy_request.refresh_from_db()
    assert privacy_request.status == Status.IN_REVIEW


def test_the_helper_checks_the_permission_before_it_looks_the_request_up(viewer):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    with pytest.raises(PermissionDenied):
        staff_request_get(viewer, "RN-2222-2222-2222", Action.APPROVE)
    with pytest.raises(Http404):
        staff_request_get(viewer, "RN-2222-2222-2222", Action.VIEW_QUEUE)
