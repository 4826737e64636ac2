"""An HTTP (SaaS) system through its run: the shipped Stripe config against the local vendor stand-in."""

import pytest

from records.models import System
from requests_app.models import SystemRun
from requests_app.systems import services as systems
from tests.records.vendor_fakes import FakeVendor, start_fake_vendor, stripe_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def stripe(monkeypatch):
    vendor = FakeVendor()
    httpd = start_fake_vendor(vendor)
    monkeypatch.setenv("STRIPE_API_BASE_URL", vendor.url)
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_123")
    vendor.stripe_customers["cus_A1"] = stripe_customer("cus_A1", "maya.chen@example.com", "Maya Chen")
    vendor.stripe_customers["cus_D1"] = stripe_customer(
        "cus_D1", "diego.alvarez@example.com", "Diego Alvarez"
    )
    System.objects.filter(code="payments").update(
        connector="http", dataset_path="records/datasets/stripe.yaml"
    )
    yield vendor
    httpd.shutdown()
    httpd.server_close()


def test_an_http_system_exports_the_persons_records_through_its_run(access_request, stripe):
    systems.system_runs_gather(
        request=access_request, step="export", identity=systems.consumer_identity(access_request.consumer)
    )
    run = SystemRun.objects.get(request=access_request, system__code="payments")
    assert systems.system_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.state == SystemRun.State.DONE and run.found == 1 and run.exported > 0
    assert not any("diego" in call.path.lower() for call in stripe.calls)


def test_an_http_system_the_data_map_retains_keeps_the_records_with_its_reason(access_request, stripe):
    delete = access_request
    systems.system_runs_gather(
        request=delete, step="erase", identity=systems.consumer_identity(delete.consumer)
    )
    run = SystemRun.objects.get(request=delete, system__code="payments", step="erase")
    assert systems.system_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.state, run.found, run.erased, run.kept) == (SystemRun.State.DONE, 1, 0, 1)
    assert run.outcome["action"] == "retain" and run.outcome["reason"] == "legal_obligation"
    assert "cus_A1" in stripe.stripe_customers  # nothing deleted at the vendor
