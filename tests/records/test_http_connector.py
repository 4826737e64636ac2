"""The HTTP connector against a local server answering with the vendors' documented shapes."""

import time
from pathlib import Path

import pytest

from records.connectors import ConnectorError, CorrectionChanges
from records.connectors.datasets import load_dataset
from records.connectors.http import HttpConnector, HttpHandle
from records.erasure import ErasurePlan, PlanEntry
from tests.records.vendor_fakes import FakeVendor, slack_user, stripe_customer

DATASETS = Path(__file__).resolve().parents[2] / "records" / "datasets"
MAYA = "maya.chen@example.com"


class Sleeps(list):
    """Records the waits the connector asks for instead of sleeping them."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


@pytest.fixture
def stripe(vendor, monkeypatch):
    monkeypatch.setenv("STRIPE_API_BASE_URL", vendor.url)
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_123")
    vendor.stripe_customers.update(
        {
            "cus_A1": stripe_customer("cus_A1", MAYA, "Maya Chen"),
            "cus_A2": stripe_customer("cus_A2", MAYA, "Maya Chen", created=1738747800),
            "cus_A3": stripe_customer("cus_A3", MAYA, "M. Chen"),
            "cus_D1": stripe_customer("cus_D1", "diego.alvarez@example.com", "Diego Alvarez"),
        }
    )
    sleeps = Sleeps()
    return HttpConnector(load_dataset(DATASETS / "stripe.yaml"), sleep=sleeps), sleeps


@pytest.fixture
def slack(vendor, monkeypatch):
    monkeypatch.setenv("SLACK_API_BASE_URL", vendor.url + "/api")
    monkeypatch.setenv("SLACK_SCIM_BASE_URL", vendor.url)
    monkeypatch.setenv("SLACK_ADMIN_TOKEN", "xoxp-test")
    vendor.slack_users["W012A3CDE"] = slack_user("W012A3CDE", MAYA, "Maya Chen")
    vendor.slack_users["W0DIEGO00"] = slack_user("W0DIEGO00", "diego.alvarez@example.com", "Diego Alvarez")
    return HttpConnector(load_dataset(DATASETS / "slack.yaml"), sleep=Sleeps())


def plan(system: str, action: str = "delete", reason: str = "") -> ErasurePlan:
    entry = PlanEntry(system_id=0, system_code=system, system_name=system, action=action, reason=reason)
    return ErasurePlan(consumer_id=None, entries=(entry,))


def generic(tmp_path: Path, url: str, locate: str, **settings: str) -> HttpConnector:
    """A members API of our own making, paged as `locate` says, with tiny timeouts and backoffs."""
    text = f"""version: 1
kind: http
system: web_logs
base_url: {url}
timeout_seconds: {settings.get("timeout", "0.3")}
retry: {{attempts: {settings.get("attempts", "3")}, backoff_seconds: 0.01, max_wait_seconds: 0.5}}
locate:
{locate}
read:
  path: /members/{{id}}
fields:
  email: {{type: email, erase: retain, reason: security}}
  ip: {{type: ip_address, erase: retain, reason: security}}
"""
    path = tmp_path / "members.yaml"
    path.write_text(text, encoding="utf-8")
    sleeps = Sleeps()
    return HttpConnector(load_dataset(path), sleep=sleeps), sleeps


OFFSET = """  - identity: email
    path: /offset/members
    params: {email: "{email}"}
    records: results
    pagination: {type: offset, limit: 2}"""
LINK = """  - identity: email
    path: /link/members
    params: {email: "{email}"}
    pagination: {type: link}"""


def five_members(vendor: FakeVendor) -> None:
    vendor.members.extend({"id": f"m{i}", "email": MAYA, "ip": f"198.51.100.{i}"} for i in range(5))
    vendor.members.append({"id": "x1", "email": "someone@example.com", "ip": "203.0.113.9"})


# ------------------------------------------------------------------ Stripe


def test_stripe_customers_are_found_by_email_across_cursor_pages(stripe, vendor):
    connector, _ = stripe
    handles = connector.locate({"email": MAYA})
    assert [h.record_id for h in handles] == ["cus_A1", "cus_A2", "cus_A3"]
    lookups = [c for c in vendor.calls if c.path == "/v1/customers"]
    assert [c.query.get("starting_after") for c in lookups] == [None, "cus_A2"]
    assert {c.headers["authorization"] for c in lookups} == {"Bearer sk_test_123"}


def test_stripe_export_reads_each_customer_with_nested_fields_and_creation_time(stripe):
    connector, _ = stripe
    points = list(connector.export([HttpHandle("payments", "cus_A2")]))
    assert sorted((p.type_code, p.value) for p in points) == [
        ("email", MAYA),
        ("full_name", "Maya Chen"),
        ("phone", "+14155550101"),
        ("postal_address", "123 Market Street"),
        ("postal_address", "94105"),
        ("postal_address", "San Francisco"),
    ]
    assert {p.collected_at.isoformat() for p in points} == {"2025-02-05T09:30:00+00:00"}


def test_stripe_erase_deletes_each_customer_and_no_other(stripe, vendor):
    connector, _ = stripe
    result = connector.erase(connector.locate({"email": MAYA}), plan("payments"))
    assert result.systems[0].deleted == 3
    assert sorted(vendor.stripe_customers) == ["cus_D1"]
    assert [c.path for c in vendor.calls if c.method == "DELETE"] == [
        "/v1/customers/cus_A1",
        "/v1/customers/cus_A2",
        "/v1/customers/cus_A3",
    ]


def test_stripe_customers_the_plan_retains_are_not_deleted(stripe, vendor):
    connector, _ = stripe
    result = connector.erase(
        connector.locate({"email": MAYA}), plan("payments", "retain", "legal_obligation")
    )
    assert (result.systems[0].deleted, result.systems[0].retained) == (0, 3)
    assert not [c for c in vendor.calls if c.method == "DELETE"]


def test_stripe_correction_posts_form_encoded_nested_fields(stripe, vendor):
    connector, _ = stripe
    changes = CorrectionChanges(point_types={"postal_address": "1 Ferry Building", "phone": "+14155550199"})
    result = connector.correct([HttpHandle("payments", "cus_A1")], changes)
    assert result.points_updated == 1
    posted = [c for c in vendor.calls if c.method == "POST"][0].form()
    assert posted == {
        "phone": "+14155550199",
        "address[line1]": "1 Ferry Building",
        "address[city]": "1 Ferry Building",
        "address[postal_code]": "1 Ferry Building",
    }
    assert vendor.stripe_customers["cus_A1"]["phone"] == "+14155550199"


def test_an_identity_value_is_sent_encoded_and_cannot_reach_another_path(stripe, vendor):
    connector, _ = stripe
    hostile = "x' OR '1'='1&email=maya.chen@example.com/../../v1/customers/cus_A1"
    assert connector.locate({"email": hostile}) == []
    assert [c.query["email"] for c in vendor.calls] == [hostile]
    assert {c.path for c in vendor.calls} == {"/v1/customers"}


def test_a_record_id_with_path_characters_stays_one_path_segment(stripe, vendor):
    connector, _ = stripe
    assert list(connector.export([HttpHandle("payments", "../customers?email=x")])) == []
    assert vendor.calls[-1].path == "/v1/customers/..%2Fcustomers%3Femail%3Dx"


def test_stripe_check_reaches_the_health_endpoint(stripe):
    connector, _ = stripe
    health = connector.check()
    assert health.ok and health.reachable


# ------------------------------------------------------------------ Slack


def test_slack_user_is_found_with_lookup_by_email(slack):
    assert slack.locate({"email": MAYA}) == [HttpHandle("comms_uploads", "W012A3CDE")]


def test_slack_users_not_found_error_means_nobody_there(slack):
    assert slack.locate({"email": "nobody@example.com"}) == []


def test_slack_export_reads_the_profile_with_users_info(slack):
    points = list(slack.export([HttpHandle("comms_uploads", "W012A3CDE")]))
    assert sorted((p.type_code, p.value) for p in points) == [
        ("email", MAYA),
        ("full_name", "Maya Chen"),
        ("online_identifier", "maya"),
        ("social_handle", "Maya"),
    ]


def test_slack_erase_deactivates_the_account_through_scim(slack, vendor):
    result = slack.erase(slack.locate({"email": MAYA}), plan("comms_uploads"))
    assert result.systems[0].deleted == 1
    assert vendor.slack_users["W012A3CDE"]["deleted"] is True
    assert vendor.slack_users["W0DIEGO00"]["deleted"] is False
    assert "DELETE /scim/v2/Users/W012A3CDE" in vendor.paths()


def test_slack_correction_sets_the_profile_of_that_user(slack, vendor):
    slack.correct(
        [HttpHandle("comms_uploads", "W012A3CDE")], CorrectionChanges(point_types={"full_name": "Maya Lin"})
    )
    assert vendor.slack_users["W012A3CDE"]["profile"]["real_name"] == "Maya Lin"
    assert vendor.slack_users["W0DIEGO00"]["profile"]["real_name"] == "Diego Alvarez"


def test_a_slack_error_is_reported_by_its_code_only(slack, monkeypatch):
    monkeypatch.setenv("SLACK_ADMIN_TOKEN", "xoxp-wrong")
    with pytest.raises(ConnectorError, match="answered invalid_auth") as raised:
        slack.locate({"email": MAYA})
    assert MAYA not in str(raised.value) and "xoxp" not in str(raised.value)
    assert not slack.check().ok


# ------------------------------------------------------------------ pagination


def test_offset_pagination_reads_every_page(tmp_path, vendor):
    five_members(vendor)
    connector, _ = generic(tmp_path, vendor.url, OFFSET)
    assert [h.record_id for h in connector.locate({"email": MAYA})] == ["m0", "m1", "m2", "m3", "m4"]
    assert [c.query["offset"] for c in vendor.calls] == ["0", "2", "4"]


def test_link_header_pagination_follows_next_until_the_last_page(tmp_path, vendor):
    five_members(vendor)
    connector, _ = generic(tmp_path, vendor.url, LINK)
    assert [h.record_id for h in connector.locate({"email": MAYA})] == ["m0", "m1", "m2", "m3", "m4"]
    assert [c.query.get("page") for c in vendor.calls] == [None, "2", "3"]


def test_a_next_link_to_another_host_is_refused(tmp_path, vendor):
    five_members(vendor)
    connector, _ = generic(
        tmp_path, vendor.url, LINK.replace('"{email}"}', '"{email}", next_host: "http://evil.example"}')
    )
    with pytest.raises(ConnectorError, match="another host"):
        connector.locate({"email": MAYA})


# ------------------------------------------------------------------ faults


def test_429_waits_as_long_as_retry_after_says_then_succeeds(tmp_path, vendor):
    five_members(vendor)
    vendor.faults.append(("status", 429, {"Retry-After": "0.25"}))
    connector, sleeps = generic(tmp_path, vendor.url, OFFSET)
    assert len(connector.locate({"email": MAYA})) == 5
    assert sleeps == [0.25]


def test_a_retry_after_longer_than_the_cap_waits_only_the_cap(tmp_path, vendor):
    five_members(vendor)
    vendor.faults.append(("status", 429, {"Retry-After": "3600"}))
    connector, sleeps = generic(tmp_path, vendor.url, OFFSET)
    connector.locate({"email": MAYA})
    assert sleeps == [0.5]


def test_500_then_success_is_retried_with_exponential_backoff(tmp_path, vendor):
    five_members(vendor)
    vendor.faults.extend([("status", 500, {}), ("status", 503, {})])
    connector, sleeps = generic(tmp_path, vendor.url, OFFSET)
    assert len(connector.locate({"email": MAYA})) == 5
    assert sleeps == [0.01, 0.02]


def test_a_server_that_keeps_failing_gives_up_after_the_bounded_attempts(tmp_path, vendor):
    vendor.faults.extend([("status", 502, {})] * 5)
    connector, sleeps = generic(tmp_path, vendor.url, OFFSET)
    with pytest.raises(ConnectorError) as raised:
        connector.locate({"email": MAYA})
    assert str(raised.value) == "web_logs: locate[0] failed after 3 attempts (HTTP 502)"
    assert len(vendor.calls) == 3 and sleeps == [0.01, 0.02]


def test_a_hang_past_the_timeout_is_retried_then_reported_without_the_url(tmp_path, vendor):
    vendor.faults.extend([("hang", 1.0), ("hang", 1.0)])
    connector, _ = generic(tmp_path, vendor.url, OFFSET, timeout="0.2", attempts="2")
    started = time.monotonic()
    with pytest.raises(ConnectorError) as raised:
        connector.locate({"email": MAYA})
    assert time.monotonic() - started < 1.5
    assert str(raised.value) == "web_logs: locate[0] failed after 2 attempts (timed out)"
    assert raised.value.__cause__ is None and raised.value.__context__ is None  # no URL in a chained error


def test_a_hang_then_an_answer_succeeds(tmp_path, vendor):
    five_members(vendor)
    vendor.faults.append(("hang", 0.6))
    connector, _ = generic(tmp_path, vendor.url, OFFSET, timeout="0.2")
    assert len(connector.locate({"email": MAYA})) == 5


def test_a_client_error_is_not_retried(tmp_path, vendor):
    vendor.faults.append(("status", 401, {}))
    connector, sleeps = generic(tmp_path, vendor.url, OFFSET)
    with pytest.raises(ConnectorError, match="answered HTTP 401"):
        connector.locate({"email": MAYA})
    assert len(vendor.calls) == 1 and sleeps == []


def test_an_unreachable_service_is_reported_by_check(tmp_path):
    connector, _ = generic(tmp_path, "http://127.0.0.1:1", OFFSET)
    health = connector.check()
    assert not health.reachable
