import pytest

from requests_app.exceptions import RequestError
from requests_app.lifecycle import TRANSITIONS, request_transition
from requests_app.models import CLOSED_STATUSES, RequestEvent, Status
from tests.factories import PrivacyRequestFactory

pytestmark = pytest.mark.django_db

ALL_PAIRS = [(a, b) for a in Status.values for b in Status.values]


@pytest.mark.parametrize(("current", "target"), [p for p in ALL_PAIRS if p[1] not in TRANSITIONS[p[0]]])
def test_every_illegal_transition_is_refused_and_changes_nothing(current, target):
    request = PrivacyRequestFactory(status=current)

    with pytest.raises(RequestError) as refused:
        request_transition(request=request, to=target)

    assert refused.value.code == "illegal_transition"
    request.refresh_from_db()
    assert request.status == current
    assert not RequestEvent.objects.filter(request=request).exists()


@pytest.mark.parametrize(("current", "target"), [p for p in ALL_PAIRS if p[1] in TRANSITIONS[p[0]]])
def test_every_legal_transition_stamps_time_and_writes_one_event(current, target):
    request = PrivacyRequestFactory(status=current)
    before = request.status_changed_at

    # A denial or unverifiable closure carries its reason code (issue 15, item 3).
    reason_code = {"denial_reason": "test"} if target in (Status.DENIED, Status.UNVERIFIABLE) else {}
    request_transition(request=request, to=target, reason="test", **reason_code)

    assert request.status == target
    assert request.status_changed_at >= before
    event = RequestEvent.objects.get(request=request)
    assert (event.name, event.from_status, event.to_status) == (f"requests.request.{target}", current, target)
    assert (request.closed_at is not None) == (target in CLOSED_STATUSES)


def test_closed_requests_can_never_change_again():
    assert all(not TRANSITIONS[s] for s in CLOSED_STATUSES)


def test_transition_refuses_to_set_fields_outside_its_list():
    request = PrivacyRequestFactory(status=Status.IN_REVIEW)
    with pytest.raises(TypeError):
        request_transition(request=request, to=Status.APPROVED, due_at=None)


def test_events_are_append_only():
    request = PrivacyRequestFactory(status=Status.IN_REVIEW)
    request_transition(request=request, to=Status.APPROVED)
    event = RequestEvent.objects.get(request=request)
    event.reason = "rewritten"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_transition_hooks_see_each_change_inside_its_transaction(monkeypatch):
    from requests_app import lifecycle

    seen = []

    def hook(*, request, event):
        seen.append((request.status, event.to_status, request.pk))
        if request.status == Status.WITHDRAWN:
            raise RuntimeError("the channel refused")  # what a hook raises undoes the change

    monkeypatch.setattr(lifecycle, "ON_TRANSITION_HOOKS", [hook])
    request = PrivacyRequestFactory(status=Status.IN_REVIEW)
    request_transition(request=request, to=Status.APPROVED)
    with pytest.raises(RuntimeError):
        request_transition(request=request, to=Status.WITHDRAWN)

    assert seen == [
        (Status.APPROVED, Status.APPROVED, request.pk),
        (Status.WITHDRAWN, Status.WITHDRAWN, request.pk),
    ]
    request.refresh_from_db()
    assert request.status == Status.APPROVED
    assert RequestEvent.objects.filter(request=request).count() == 1
