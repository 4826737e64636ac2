"""requests_app.states.state_change: the one way a sub-state machine moves (issue 10, item 6)."""

import pytest
from django.utils import timezone

from requests_app.exceptions import RequestError
from requests_app.models import DeletionCase, Kind, RequestEvent
from requests_app.states import state_change
from tests.factories import PrivacyRequestFactory

pytestmark = pytest.mark.django_db

D = DeletionCase.State
TABLE = {
    D.AWAITING_CONFIRMATION: frozenset({D.SCHEDULED}),
    D.SCHEDULED: frozenset({D.ERASED}),
    D.ERASED: frozenset(),
    D.CANCELLED: frozenset(),
    D.EXPIRED: frozenset(),
}


@pytest.fixture
def case():
    return DeletionCase.objects.create(request=PrivacyRequestFactory(kind=Kind.DELETE))


def _move(case, to, **kwargs):
    return state_change(
        obj=case, field="state", to=to, table=TABLE, request=case.request, event="test.moved", **kwargs
    )


def test_an_allowed_move_saves_the_field_and_the_changes_given_with_it(case):
    now = timezone.now()

    _move(case, D.SCHEDULED, confirmed_at=now, erase_after=now)

    case.refresh_from_db()
    assert (case.state, case.confirmed_at, case.erase_after) == (D.SCHEDULED, now, now)


def test_an_allowed_move_writes_one_event_with_where_it_came_from_and_went(case, django_user_model):
    actor = django_user_model.objects.create_user(username="approver")

    _move(case, D.SCHEDULED, actor=actor, reason="why", data={"erase_after": "soon"})

    event = RequestEvent.objects.get(request=case.request)
    assert (event.name, event.actor, event.actor_label, event.reason) == (
        "test.moved",
        actor,
        "staff:approver",
        "why",
    )
    assert event.data == {"erase_after": "soon", "from": D.AWAITING_CONFIRMATION, "to": D.SCHEDULED}
    # The request's own status did not move: the event says nothing about it.
    assert (event.from_status, event.to_status) == ("", "")


def test_a_move_not_in_the_table_is_refused_and_nothing_is_saved(case):
    with pytest.raises(RequestError) as refused:
        _move(case, D.ERASED, erased_at=timezone.now())

    assert refused.value.code == "illegal_state_change"
    assert "Waiting for the requester to confirm" in refused.value.message
    case.refresh_from_db()
    assert (case.state, case.erased_at) == (D.AWAITING_CONFIRMATION, None)
    assert not RequestEvent.objects.exists()


def test_the_table_is_checked_against_the_database_not_a_stale_copy(case):
    stale = DeletionCase.objects.get(pk=case.pk)
    _move(case, D.SCHEDULED)

    with pytest.raises(RequestError):
        state_change(
            obj=stale,
            field="state",
            to=D.SCHEDULED,
            table=TABLE,
            request=stale.request_id,
            event="test.moved",
        )

    assert RequestEvent.objects.count() == 1


def test_a_change_concerning_several_requests_is_recorded_on_each(case):
    other = PrivacyRequestFactory(submission=case.request.submission)

    state_change(
        obj=case,
        field="state",
        to=D.SCHEDULED,
        table=TABLE,
        request=[case.request, other],
        event="test.moved",
    )

    assert sorted(RequestEvent.objects.values_list("request_id", flat=True)) == sorted(
        [case.request_id, other.pk]
    )
