"""Regs §7102 metrics on fixture data whose answers were worked out by hand (times are Pacific)."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from requests_app.models import Kind, Status
from staff.metrics import metrics_for_year, metrics_total
from tests.factories import PrivacyRequestFactory

pytestmark = pytest.mark.django_db
PT = ZoneInfo("America/Los_Angeles")


def at(y, m, d, h=10, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=PT)


def _make(kind, received, status, closed=None, outcome="", reason=""):
    return PrivacyRequestFactory(
        kind=kind,
        received_at=received,
        status=status,
        closed_at=closed,
        outcome=outcome,
        denial_reason=reason,
    )


@pytest.fixture
def year_2025():
    K, D, O = Kind.KNOW_CATEGORIES, Kind.DELETE, Kind.OPT_OUT  # noqa: N806, E741
    # Requests to know: 6 received (one on Dec 31 late evening, still 2025 in California).
    _make(K, at(2025, 1, 10), Status.COMPLETED, at(2025, 1, 20), "complied")  # 10 days
    _make(K, at(2025, 2, 1), Status.COMPLETED, at(2025, 2, 15), "complied")  # 14 days
    _make(K, at(2025, 3, 1), Status.DENIED, at(2025, 3, 4), "denied", "fraud")  # 3 days
    _make(K, at(2025, 4, 1), Status.IN_REVIEW)  # open
    _make(K, at(2025, 12, 31, 23, 30), Status.AWAITING_VERIFICATION)  # open; 2026 in UTC
    _make(K, at(2025, 1, 10, 23), Status.COMPLETED, at(2025, 1, 11, 1))  # 1 day (same day in UTC)
    # Requests to delete: 4 received.
    _make(D, at(2025, 5, 1), Status.COMPLETED, at(2025, 5, 31), "partially")  # 30 days
    _make(D, at(2025, 6, 1), Status.UNVERIFIABLE, at(2025, 6, 8), "denied")  # 7 days, no reason code
    _make(D, at(2025, 6, 2), Status.DENIED, at(2025, 6, 22), "denied", "exception:legal_obligation")  # 20
    _make(D, at(2025, 7, 1), Status.DENIED, at(2025, 7, 11), "denied", "exception:security")  # 10
    # One withdrawn opt-out: received, neither complied nor denied, no response time.
    _make(O, at(2025, 8, 1), Status.WITHDRAWN, at(2025, 8, 2))
    # Received on Dec 31, 2024 at 23:30 in California (Jan 1, 2025 in UTC): belongs to 2024.
    _make(K, at(2024, 12, 31, 23, 30), Status.COMPLETED, at(2025, 1, 5), "complied")


def test_requests_to_know(year_2025):
    know = {m.kind: m for m in metrics_for_year(2025)}[Kind.KNOW_CATEGORIES]
    assert (know.received, know.complied, know.denied) == (6, 3, 1)
    assert dict(know.denied_by_reason) == {"fraud": 1}
    assert know.median_days == 6.5  # 1, 3, 10, 14
    assert know.mean_days == 7.0


def test_requests_to_delete(year_2025):
    delete = {m.kind: m for m in metrics_for_year(2025)}[Kind.DELETE]
    assert (delete.received, delete.complied, delete.denied) == (4, 1, 3)
    assert dict(delete.denied_by_reason) == {"unverifiable": 1, "exception": 2}
    assert delete.median_days == 15.0  # 7, 10, 20, 30
    assert delete.mean_days == 16.8  # 67 / 4 = 16.75


def test_a_withdrawn_request_counts_as_received_only(year_2025):
    opt_out = {m.kind: m for m in metrics_for_year(2025)}[Kind.OPT_OUT]
    assert (opt_out.received, opt_out.complied, opt_out.denied, opt_out.median_days) == (1, 0, 0, None)


def test_the_totals_and_the_year_before(year_2025):
    total = metrics_total(metrics_for_year(2025))
    assert (total.received, total.complied, total.denied) == (11, 4, 4)
    assert total.median_days == 10.0  # 1, 3, 7, 10, 10, 14, 20, 30
    assert total.mean_days == 11.9  # 95 / 8 = 11.875
    before = metrics_total(metrics_for_year(2024))
    assert (before.received, before.complied, before.median_days) == (1, 1, 5.0)  # Dec 31 -> Jan 5


def test_the_metrics_csv_has_one_row_per_kind_and_a_total(year_2025, viewer_client):
    response = viewer_client.get(reverse("staff:metrics_csv"), {"year": 2025})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    delete = next(r for r in rows if r["kind"] == "delete")
    assert (
        delete["received"] == "4"
        and delete["denied_exception"] == "2"
        and delete["denied_unverifiable"] == "1"
    )
    assert delete["median_days_to_respond"] == "15.0"
    assert rows[-1]["kind"] == "all" and rows[-1]["received"] == "11"


def test_the_metrics_page_draws_its_charts_without_scripts(year_2025, viewer_client):
    body = viewer_client.get(reverse("staff:metrics"), {"year": 2025}).content.decode()
    assert "<svg" in body and "<script" not in body and "style=" not in body
    assert "6 (3 complied, 1 denied)" in body


def test_the_request_log_has_the_record_keeping_columns_and_no_personal_data(year_2025, admin_user):
    from .conftest import signed_in

    PrivacyRequestFactory(submission__email="maya.chen@example.com", submission__first_name="Maya")
    response = signed_in(admin_user).get(
        reverse("staff:request_log_csv"), {"start": "2025-01-01", "end": "2025-12-31"}
    )
    content = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 11
    denied = next(r for r in rows if r["denial_basis"] == "exception:legal_obligation")
    assert denied["received_date"] == "2025-06-02" and denied["response_date"] == "2025-06-22"
    assert denied["channel"] == "web" and denied["response_nature"] == "denied"
    assert "maya" not in content.lower()


# --- Generated data: every denial is counted under a reason, and the columns add up (issue 15, item 3) ---


@pytest.fixture
def generated_year(approver):
    """Factory-made requests of every kind, closed through the services that close them in the portal."""
    import random

    from requests_app.agents import services as agents
    from requests_app.lifecycle import request_transition
    from requests_app.rules import access_limit_deny, request_close_unverifiable
    from staff.models import DenialReasonTemplate
    from staff.services import request_deny

    rng = random.Random(15)
    templates = list(DenialReasonTemplate.objects.filter(active=True))
    system_codes = [
        agents.REASON_NOT_CONFIRMED,
        agents.REASON_CONFIRMATION_EXPIRED,
        agents.REASON_CONFIRMATION_FAILED,
        agents.REASON_DOCUMENT_REJECTED,
        "correction_denied",
        "stl_once_per_year",
        "no_matching_account",
    ]
    outcomes = ["no_records", "insufficient", "no_contact", "limit", "staff", "system", "done", "withdrawn"]
    for i in range(120):
        kind = rng.choice(list(Kind))
        r = PrivacyRequestFactory(kind=kind, received_at=at(2025, 1 + i % 12, 1 + i % 27))
        outcome = rng.choice(outcomes)
        if outcome == "limit" and kind not in (Kind.KNOW_CATEGORIES, Kind.ACCESS_SPECIFIC):
            outcome = "no_records"
        if outcome == "no_records":
            request_close_unverifiable(r, "no_matching_records")
        elif outcome == "insufficient":
            request_close_unverifiable(r, "insufficient_match", data={"needed": 3})
        elif outcome == "no_contact":
            request_close_unverifiable(r, "no_contact_on_record")
        elif outcome == "limit":
            access_limit_deny(request=r, next_allowed=at(2026, 1, 1).date(), points=["email", "name"])
        elif outcome == "staff":
            request_deny(
                request=r, actor=approver, template=rng.choice([t for t in templates if t.fits(kind)])
            )
        elif outcome == "system":
            to = rng.choice([Status.DENIED, Status.UNVERIFIABLE])
            request_transition(request=r, to=to, outcome="denied", denial_reason=rng.choice(system_codes))
        elif outcome == "done":
            request_transition(request=r, to=Status.IN_REVIEW)
            request_transition(request=r, to=Status.APPROVED)
            request_transition(request=r, to=Status.FULFILLING)
            request_transition(request=r, to=Status.COMPLETED, outcome="complied")
        else:
            request_transition(request=r, to=Status.WITHDRAWN)


def test_on_generated_data_every_denial_is_counted_under_a_reason_and_the_columns_add_up(
    generated_year, viewer_client
):
    rows = metrics_for_year(2025)
    total = metrics_total(rows)
    assert total.received == 120 and total.denied > 40
    for m in [*rows, total]:
        assert sum(m.denied_by_reason.values()) == m.denied, m.kind
        assert m.denied_by_reason.get("unspecified", 0) == 0, m.kind
    response = viewer_client.get(reverse("staff:metrics_csv"), {"year": 2025})
    csv_rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(csv_rows) == len(Kind) + 1
    for row in csv_rows:
        by_reason = [int(v) for k, v in row.items() if k.startswith("denied_")]
        assert sum(by_reason) == int(row["denied"]), row["kind"]
        assert row["denied_unspecified"] == "0"
    assert int(csv_rows[-1]["denied_no_records"]) > 0  # "no records" is a reason of its own
    page = viewer_client.get(reverse("staff:metrics"), {"year": 2025}).content.decode()
    assert '<th scope="col">No matching records</th>' in page  # the by-reason columns of the §7102 table


def test_a_denial_or_unverifiable_closure_without_a_reason_code_is_refused():
    from requests_app.lifecycle import request_transition

    r = PrivacyRequestFactory(kind=Kind.DELETE)
    for to in (Status.DENIED, Status.UNVERIFIABLE):
        with pytest.raises(ValueError, match="reason code"):
            request_transition(request=r, to=to, outcome="denied")
    r.refresh_from_db()
    assert r.status == Status.AWAITING_VERIFICATION


def test_metrics_split_by_regime_add_up_to_the_year(year_2025, viewer_client):
    from requests_app.models import PrivacyRequest
    from requests_app.regimes import Regime
    from staff.metrics import metrics_by_regime

    denied_delete = PrivacyRequest.objects.get(denial_reason="exception:security")
    PrivacyRequest.objects.filter(pk=denied_delete.pk).update(regime=Regime.COLORADO)
    PrivacyRequest.objects.filter(kind=Kind.OPT_OUT).update(regime=Regime.TEXAS)
    by_regime = {m.kind: m for m in metrics_by_regime(2025)}
    assert set(by_regime) == {Regime.CALIFORNIA, Regime.COLORADO, Regime.TEXAS}
    assert (by_regime["CO"].received, by_regime["CO"].denied, by_regime["CO"].median_days) == (1, 1, 10.0)
    assert (by_regime["TX"].received, by_regime["TX"].complied) == (1, 0)
    assert sum(m.received for m in by_regime.values()) == metrics_total(metrics_for_year(2025)).received
    colorado = {m.kind: m for m in metrics_for_year(2025, Regime.COLORADO)}
    assert colorado[Kind.DELETE].denied == 1 and colorado[Kind.KNOW_CATEGORIES].received == 0

    page = viewer_client.get(reverse("staff:metrics") + "?year=2025").content.decode()
    assert "By regime" in page and "Colorado" in page
    response = viewer_client.get(reverse("staff:metrics_csv"), {"year": 2025, "regime": "CO"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[-1][1:5] == ["all", "1", "0", "1"]
