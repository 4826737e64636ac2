import csv
import io
import json
import re
from datetime import datetime

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from records.connectors import BuiltinConnector, ConnectorError
from records.models import DataPoint, DataPointType, Source, System
from records.vault import vault_get
from requests_app.fulfilment import fulfilment_enqueue
from requests_app.intake.tasks import sweep_stuck_requests
from requests_app.models import (
    AccessReport,
    FulfilmentStepDone,
    Kind,
    PrivacyRequest,
    ReportStep,
    RequestEvent,
    Status,
)
from requests_app.reports.compile import disclosure_compile
from requests_app.reports.render import ASSETS, BundledAssetFetcher, report_render
from requests_app.reports.services import access_report_fulfil, reports_purge_expired
from requests_app.reports.tasks import fulfil_access_task
from tests.factories import ConsumerFactory, PrivacyRequestFactory

pytestmark = pytest.mark.django_db

LOOKUP = reverse("requests_app:status_lookup")
CODE = reverse("requests_app:status_code")
VIEW = reverse("requests_app:status_view")
DOWNLOAD = reverse("requests_app:report_download")
SEND_CODE = reverse("requests_app:report_code_request")
PDF = reverse("requests_app:report_file", args=["pdf"])
ZIP = reverse("requests_app:report_file", args=["zip"])

# (system, type, source, value): Maya's kind of records, with two never-disclose values.
POINTS = [
    ("member_accounts", "email", "direct", "maya.chen@example.com"),
    ("member_accounts", "passport_number", "direct", "X12345678"),
    ("member_accounts", "membership_plan", "direct", "Dedicated desk"),
    ("payments", "payment_card", "direct", "4111 1111 1111 1111"),
    ("payments", "invoice", "direct", "INV-2023-0042: Dedicated desk, $450.00, paid"),
    ("web_logs", "page_view", "device_logs", "/events/fundraising-101"),
    ("web_logs", "ip_address", "device_logs", "203.0.113.7"),
    ("partner_sharing", "partner_share", "direct", "Shared with RakuNest Partner Network"),
]


def seed_points(consumer, points=POINTS):
    systems = {s.code: s for s in System.objects.all()}
    types = {t.code: t for t in DataPointType.objects.all()}
    sources = {s.code: s for s in Source.objects.all()}
    tz = timezone.get_current_timezone()
    DataPoint.objects.bulk_create(
        DataPoint(
            consumer=consumer,
            system=systems[system],
            point_type=types[kind],
            source=sources[source],
            value=value,
            collected_at=datetime(2023, 3, 1 + i % 27, 9, 30, tzinfo=tz),
        )
        for i, (system, kind, source, value) in enumerate(points)
    )


def access_request(kind=Kind.ACCESS_SPECIFIC, points=POINTS, **consumer_fields):
    consumer = ConsumerFactory(**consumer_fields)
    seed_points(consumer, points)
    return PrivacyRequestFactory(
        kind=kind,
        status=Status.FULFILLING,
        consumer=consumer,
        submission__email="maya.requester@example.com",
        submission__acknowledged_at=timezone.now(),
    )


def fulfil(request, capture) -> AccessReport:
    with capture(execute=True):
        fulfilment_enqueue(request=request)
    return AccessReport.objects.get(request=request)


def pdf_of(report: AccessReport) -> PdfReader:
    return PdfReader(io.BytesIO(vault_get(report.pdf_name, sha256=report.pdf_sha256)))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def attachment(reader: PdfReader, suffix: str) -> bytes:
    [content] = [files[0] for name, files in reader.attachments.items() if name.endswith(suffix)]
    return content


# --- The report's content --------------------------------------------------------------------------


def test_a_specific_pieces_report_has_every_section_and_withholds_never_disclose_values(
    django_capture_on_commit_callbacks,
):
    request = access_request()
    report = fulfil(request, django_capture_on_commit_callbacks)
    text = " ".join(text_of(pdf_of(report)).split())

    for heading in [
        "Your personal information report",
        "Contents",
        "1. About this report",
        "2. Categories of information we collected",
        "3. Where the information came from",
        "4. Why we collected it",
        "5. Who we disclose it to",
        "6. Information sold or shared",
        "7. Information disclosed for a business purpose",
        "8. Information we hold but do not disclose",
        "9. The specific pieces of information we hold",
        "10. How long we keep it",
        "11. Your other rights and how to reach us",
        "12. The files attached to this report",
    ]:
        assert heading in text
    assert request.reference in text
    assert "January 1, 2022" in text
    assert f"Page 2 of {report.pages}" in text and f"Page {report.pages} of {report.pages}" in text
    assert "Business incubation partners" in text  # sold to, via the partner-sharing system
    assert "We hold your passport number, but we do not disclose its value" in text
    assert "We hold your payment card number, but we do not disclose its value" in text
    assert "/events/fundraising-101" in text and "INV-2023-0042" in text
    assert "X12345678" not in text
    assert "4111" not in text


def test_the_attached_json_and_csv_hold_every_data_point_and_no_withheld_value(
    django_capture_on_commit_callbacks,
):
    report = fulfil(access_request(), django_capture_on_commit_callbacks)
    reader = pdf_of(report)

    data = json.loads(attachment(reader, ".json"))
    rows = list(csv.DictReader(io.StringIO(attachment(reader, ".csv").decode("utf-8-sig"))))

    assert len(data["data_points"]) == len(rows) == len(POINTS) == report.data_points
    disclosed = {value for _, kind, _, value in POINTS if kind not in ("passport_number", "payment_card")}
    assert {p["value"] for p in data["data_points"] if not p["withheld"]} == disclosed
    assert {r["value"] for r in rows if r["withheld"] == "no"} == disclosed
    assert sorted(p["type"] for p in data["data_points"] if p["withheld"]) == [
        "Passport number",
        "Payment card number",
    ]
    for blob in (json.dumps(data), attachment(reader, ".csv").decode()):
        assert "X12345678" not in blob and "4111" not in blob


def test_the_zip_offers_the_pdf_json_and_csv(django_capture_on_commit_callbacks):
    import zipfile

    request = access_request()
    report = fulfil(request, django_capture_on_commit_callbacks)
    archive = zipfile.ZipFile(io.BytesIO(vault_get(report.zip_name, sha256=report.zip_sha256)))
    base = f"rakunest-report-{request.reference}"
    assert sorted(archive.namelist()) == [f"{base}.csv", f"{base}.json", f"{base}.pdf"]
    assert len(json.loads(archive.read(f"{base}.json"))["data_points"]) == len(POINTS)


def test_a_categories_request_holds_no_specific_pieces(django_capture_on_commit_callbacks):
    report = fulfil(access_request(kind=Kind.KNOW_CATEGORIES), django_capture_on_commit_callbacks)
    reader = pdf_of(report)
    text = " ".join(text_of(reader).split())
    blobs = [text, attachment(reader, ".json").decode(), attachment(reader, ".csv").decode()]

    assert "Categories of information we collected" in text
    assert "does not list specific pieces" in text
    assert "Internet or other network activity" in text and "Page viewed" in text
    for blob in blobs:
        for _, _, _, value in POINTS:
            assert value not in blob
    assert "data_points" not in json.loads(blobs[1])


def test_markup_in_a_name_renders_as_text_and_fetches_nothing():
    request = access_request(first_name='<img src="file:///etc/passwd">')
    fetched = []

    class SpyFetcher(BundledAssetFetcher):
        def fetch(self, url, headers=None):
            fetched.append(url)
            return super().fetch(url, headers)

    rendered = report_render(disclosure=disclosure_compile(request=request), fetcher=SpyFetcher())

    text = "".join(text_of(PdfReader(io.BytesIO(rendered.pdf))).split())
    assert '<imgsrc="file:///etc/passwd">' in text
    assert fetched and set(fetched) <= set(ASSETS)


def test_the_fetcher_refuses_files_and_the_network():
    fetcher = BundledAssetFetcher()
    for url in ["file:///etc/passwd", "http://example.com/x.css", "https://report-assets.invalid/../x"]:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.refused == [
        "file:///etc/passwd",
        "http://example.com/x.css",
        "https://report-assets.invalid/../x",
    ]


# --- Fulfilment: once, completed, the e-mail ----------------------------------------------------------


def test_fulfilment_completes_the_request_and_emails_once_without_secrets(
    django_capture_on_commit_callbacks, outbox
):
    request = access_request()
    report = fulfil(request, django_capture_on_commit_callbacks)
    access_report_fulfil(request_id=request.pk)  # a redelivered message
    request.refresh_from_db()

    assert (request.status, request.outcome) == (Status.COMPLETED, "complied")
    assert (report.step, report.progress) == (ReportStep.READY, 100)
    assert len(report.pdf_sha256) == 64 and report.pages >= 5
    assert (report.expires_at - report.ready_at).days == 30
    assert AccessReport.objects.count() == 1
    ready = [m for m in outbox if "ready" in m.subject]
    assert len(ready) == 1 and ready[0].to == ["maya.requester@example.com"]
    assert request.reference in ready[0].body
    assert not re.search(r"\b\d{6}\b", ready[0].body)
    assert "token" not in ready[0].body and "X12345678" not in ready[0].body


def test_the_stored_files_are_encrypted_at_rest(django_capture_on_commit_callbacks):
    report = fulfil(access_request(), django_capture_on_commit_callbacks)
    with default_storage.open(report.pdf_name, "rb") as handle:
        raw = handle.read()
    assert not raw.startswith(b"%PDF") and b"/events/" not in raw


def test_a_second_run_after_a_crash_between_store_and_email_sends_the_email_once(
    django_capture_on_commit_callbacks, outbox, monkeypatch
):
    request = access_request()
    from requests_app.reports import services as deliver

    def crash(**kwargs):
        raise RuntimeError("worker died")

    monkeypatch.setattr(deliver, "report_ready_notify", crash)
    with pytest.raises(RuntimeError):
        access_report_fulfil(request_id=request.pk)
    monkeypatch.undo()

    access_report_fulfil(request_id=request.pk)
    access_report_fulfil(request_id=request.pk)

    assert AccessReport.objects.get(request=request).attempts == 1  # rendered once, not again
    assert FulfilmentStepDone.objects.filter(request=request).count() == 2
    assert len([m for m in outbox if "ready" in m.subject]) == 1


def test_a_run_overlapping_one_that_stored_the_report_leaves_it_ready(outbox, monkeypatch):
    """Found by the fault drill (tests/integration/test_fault_drills.py): two runs of the same request, the
    second finishing while the first renders; the first's progress writes must not undo "ready"."""
    request = access_request()
    from requests_app.reports import services as deliver

    def render_while_another_run_finishes(**kwargs):
        monkeypatch.setattr(deliver, "report_render", report_render)
        access_report_fulfil(request_id=request.pk)  # the other run: stores, e-mails, completes
        return report_render(**kwargs)

    monkeypatch.setattr(deliver, "report_render", render_while_another_run_finishes)
    access_report_fulfil(request_id=request.pk)

    report = AccessReport.objects.get(request=request)
    assert (report.step, report.progress) == (ReportStep.READY, 100)
    assert PrivacyRequest.objects.get(pk=request.pk).status == Status.COMPLETED
    assert len([m for m in outbox if "ready" in m.subject]) == 1


def test_a_connector_error_is_retried_and_the_report_still_arrives(monkeypatch):
    request = access_request()
    real_export = BuiltinConnector.export
    calls = []

    def flaky(self, consumer):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectorError("records unavailable")
        return real_export(self, consumer)

    monkeypatch.setattr(BuiltinConnector, "export", flaky)
    fulfil_access_task.apply(args=[request.pk], throw=False)

    assert len(calls) == 2
    assert AccessReport.objects.get(request=request).step == ReportStep.READY


def test_the_sweeper_resumes_a_request_stuck_in_fulfilling(settings):
    request = access_request()
    PrivacyRequest.objects.filter(pk=request.pk).update(
        status_changed_at=timezone.now() - timezone.timedelta(hours=2)
    )
    assert sweep_stuck_requests.apply().get() == 1
    request.refresh_from_db()
    assert request.status == Status.COMPLETED


def test_requests_not_yet_approved_are_not_fulfilled():
    request = access_request()
    PrivacyRequest.objects.filter(pk=request.pk).update(status=Status.IN_REVIEW)
    assert access_report_fulfil(request_id=request.pk) is None
    assert not AccessReport.objects.exists()


def test_expired_reports_are_purged_from_storage(django_capture_on_commit_callbacks):
    request = access_request()
    report = fulfil(request, django_capture_on_commit_callbacks)
    names = [report.pdf_name, report.zip_name]
    with time_machine.travel(timezone.now() + timezone.timedelta(days=31)):
        with django_capture_on_commit_callbacks(execute=True):
            assert reports_purge_expired() == 1
    report.refresh_from_db()
    assert report.step == ReportStep.EXPIRED and report.purged_at
    assert not any(default_storage.exists(n) for n in names)
    assert RequestEvent.objects.filter(request=request, name="requests.report.purged").exists()


# --- Status page and download -------------------------------------------------------------------------


def open_status(client, request, outbox):
    client.post(LOOKUP, {"reference": request.reference, "email": request.submission.email})
    code = re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)
    client.post(CODE, {"code": code})
    return code


def download_code(client, outbox) -> str:
    client.post(SEND_CODE)
    return re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)


@pytest.fixture
def ready_request(django_capture_on_commit_callbacks):
    request = access_request()
    fulfil(request, django_capture_on_commit_callbacks)
    return request


def test_the_status_page_shows_the_report_steps(client, outbox):
    request = access_request()
    open_status(client, request, outbox)
    body = client.get(VIEW).content.decode()
    assert "Your report" in body and 'class="current">Queued' in body

    AccessReport.objects.create(request=request, step=ReportStep.RENDERING, progress=40)
    body = client.get(VIEW).content.decode()
    assert 'class="current">Preparing the report' in body and 'value="40"' in body


def test_a_fresh_code_to_the_contact_on_record_opens_the_download(client, ready_request, outbox):
    open_status(client, ready_request, outbox)
    assert "E-mail me a download code" in client.get(VIEW).content.decode()

    code = download_code(client, outbox)
    assert outbox[-1].to == [ready_request.consumer.email]  # on record, not the typed address
    client.post(DOWNLOAD, {"code": code})
    response = client.get(PDF)

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="rakunest-report-{ready_request.reference}.pdf"'
    )
    assert client.get(ZIP)["Content-Type"] == "application/zip"
    downloads = RequestEvent.objects.filter(request=ready_request, name="requests.report.downloaded")
    assert sorted(e.data["file"] for e in downloads) == ["pdf", "zip"]


def test_download_is_refused_without_a_fresh_code(client, ready_request, outbox):
    status_code = open_status(client, ready_request, outbox)
    assert client.get(PDF)["Location"] == DOWNLOAD
    download_code(client, outbox)
    response = client.post(DOWNLOAD, {"code": status_code})  # the status-page code is another scope
    assert "That code is not right" in response.content.decode()
    assert client.get(PDF)["Location"] == DOWNLOAD
    assert not RequestEvent.objects.filter(name="requests.report.downloaded").exists()


def test_download_is_refused_with_another_requests_code(
    client, ready_request, outbox, django_capture_on_commit_callbacks
):
    other = access_request()
    fulfil(other, django_capture_on_commit_callbacks)
    other_client = client.__class__()
    open_status(other_client, other, outbox)
    others_code = download_code(other_client, outbox)

    open_status(client, ready_request, outbox)
    client.post(SEND_CODE)
    response = client.post(DOWNLOAD, {"code": others_code})

    assert "That code is not right" in response.content.decode()
    assert client.get(PDF)["Location"] == DOWNLOAD


def test_download_access_lapses_after_minutes_and_the_report_after_its_ttl(client, ready_request, outbox):
    open_status(client, ready_request, outbox)
    client.post(DOWNLOAD, {"code": download_code(client, outbox)})
    assert client.get(PDF).status_code == 200
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=11)):
        assert client.get(PDF).status_code == 302

    later = timezone.now() + timezone.timedelta(days=31)
    with time_machine.travel(later):
        fresh = client.__class__()
        open_status(fresh, ready_request, outbox)
        sent = len(outbox)
        fresh.post(SEND_CODE)
        assert len(outbox) == sent  # no code for an expired report
        assert "expired" in fresh.get(DOWNLOAD).content.decode()
        assert fresh.get(PDF).status_code == 302


def test_who_may_see_the_download_pages_nobody_without_status_access(client, ready_request):
    assert client.get(DOWNLOAD)["Location"] == LOOKUP
    assert client.get(PDF)["Location"] == LOOKUP
    assert client.post(SEND_CODE)["Location"] == LOOKUP


# --- Issue 15, item 5: the report agrees with the retention statements ------------------------------


def test_a_sharing_record_names_the_partner_not_you_directly_and_times_are_in_one_stated_zone(
    django_capture_on_commit_callbacks,
):
    report = fulfil(access_request(), django_capture_on_commit_callbacks)
    reader = pdf_of(report)
    text = " ".join(text_of(reader).split())
    data = json.loads(attachment(reader, ".json"))
    rows = list(csv.DictReader(io.StringIO(attachment(reader, ".csv").decode("utf-8-sig"))))

    assert "shared with Business incubation partners" in text
    [share] = [p for p in data["data_points"] if p["type"] == "Shared with a partner for their marketing"]
    assert share["shared_with"] == "Business incubation partners"
    assert "Pacific time (America/Los_Angeles)" in text
    assert data["report"]["time_zone"] == "America/Los_Angeles"
    # 2023-03-01 09:30 local is the first point: the same wall time, with the same offset, in all three.
    assert "2023-03-01 09:30" in text
    assert data["data_points"][0]["collected_at"] == "2023-03-01T09:30:00-08:00"
    assert rows[0]["collected_at"] == "2023-03-01T09:30:00-08:00"


def test_the_entry_photo_is_disclosed_and_a_temperature_reads_in_fahrenheit_too(
    django_capture_on_commit_callbacks,
):
    points = [
        ("building_access", "entry_image", "facilities", "entry-camera/frame-20230301-0930.jpg"),
        ("health_checks", "temperature_check", "facilities", "36.7 °C, cleared for entry"),
    ]
    report = fulfil(access_request(points=points), django_capture_on_commit_callbacks)
    text = " ".join(text_of(pdf_of(report)).split())

    # Neither the policy (§2: "your image" is an identifier) nor Regs §7024(d) withholds an entry photo.
    assert "entry-camera/frame-20230301-0930.jpg" in text
    assert "We hold your image captured at building entry" not in text
    assert "36.7 °C (98.1 °F)" in text


def test_the_rights_section_explains_why_no_limit_link_is_offered(django_capture_on_commit_callbacks):
    """Issue 15, item 10: policy §3 (not used to infer characteristics) and Regs §7027(m)."""
    report = fulfil(access_request(), django_capture_on_commit_callbacks)
    text = " ".join(text_of(pdf_of(report)).split())
    rights = text[text.index("11. Your other rights and how to reach us", text.index("About this report ")) :]
    assert "We do not offer a “Limit the Use of My Sensitive Personal Information” link" in rights
    assert "never to infer characteristics about you" in rights
    assert "§7027(m)" in rights


def test_every_page_after_the_cover_carries_the_running_header_and_its_chapter(
    django_capture_on_commit_callbacks,
):
    """Issue 15, item 10: the report's reference and the chapter on every page, ledger pages included."""
    points = POINTS + [("web_logs", "page_view", "device_logs", f"/events/{n}") for n in range(160)]
    request = access_request(points=points)
    report = fulfil(request, django_capture_on_commit_callbacks)
    pages = [" ".join(page.extract_text().split()) for page in pdf_of(report).pages]

    assert len(pages) >= 6
    for number, text in enumerate(pages[1:], start=2):
        assert f"Personal information report · {request.reference}" in text, number
        assert f"Page {number} of {len(pages)}" in text
        assert re.search(r"\b\d{1,2}\. [A-Z]", text), number  # a numbered chapter heading or running chapter
    # No near-empty page: the running header and footer alone are about 80 characters.
    assert min(len(text) for text in pages[1:]) > 400


def test_a_report_for_a_date_range_holds_only_that_range_and_states_it(django_capture_on_commit_callbacks):
    from datetime import date

    request = access_request()
    request.data_from, request.data_to = date(2023, 3, 3), date(2023, 3, 5)
    request.save(update_fields=["data_from", "data_to"])
    report = fulfil(request, django_capture_on_commit_callbacks)
    reader = pdf_of(report)
    data = json.loads(attachment(reader, ".json"))
    rows = list(csv.DictReader(io.StringIO(attachment(reader, ".csv").decode("utf-8-sig"))))
    assert data["report"]["period"] == {"from": "2023-03-03", "to": "2023-03-05"}
    assert sorted(p["type"] for p in data["data_points"]) == [
        "Invoice",
        "Membership plan",
        "Payment card number",
    ]
    assert len(rows) == 3 and {(r["period_from"], r["period_to"]) for r in rows} == {
        ("2023-03-03", "2023-03-05")
    }
    text = " ".join(text_of(reader).split())
    assert "collected from March 3, 2023 to March 5, 2023" in text


def test_a_report_without_a_range_covers_everything_since_2022(django_capture_on_commit_callbacks):
    reader = pdf_of(fulfil(access_request(), django_capture_on_commit_callbacks))
    data = json.loads(attachment(reader, ".json"))
    assert data["report"]["period"]["from"] == "2022-01-01" and len(data["data_points"]) == len(POINTS)
    assert "everything we hold about you that we collected from January 1, 2022" in " ".join(
        text_of(reader).split()
    )


def test_a_minors_report_marks_every_category_sensitive(django_capture_on_commit_callbacks):
    from datetime import date

    minor_birth = date(timezone.localdate().year - 12, 1, 1)
    request = access_request(kind=Kind.KNOW_CATEGORIES, date_of_birth=minor_birth)
    assert all(c.sensitive for c in disclosure_compile(request=request).categories)
    adult = access_request(kind=Kind.KNOW_CATEGORIES, date_of_birth=date(1980, 1, 1))
    assert not all(c.sensitive for c in disclosure_compile(request=adult).categories)


# --- Issue 15, item 7: one verified session for status and downloads --------------------------------


@pytest.fixture
def on_record_request(django_capture_on_commit_callbacks):
    """Maya asked from the address we hold on record for her: the status code goes there."""
    request = access_request(email="maya.chen@example.com")
    request.submission.email = "maya.chen@example.com"
    request.submission.save(update_fields=["email"])
    fulfil(request, django_capture_on_commit_callbacks)
    return request


def test_after_a_status_code_to_the_address_on_record_the_report_downloads_without_a_second_code(
    client, on_record_request, outbox
):
    open_status(client, on_record_request, outbox)
    sent = len(outbox)
    page = client.get(VIEW).content.decode()
    assert "You can download and continue for the next 15 minutes without a new code." in page
    assert "E-mail me a download code" not in page
    assert "Your downloads are open for the next 15 minutes without a new code" in (
        client.get(DOWNLOAD).content.decode()
    )

    response = client.get(PDF)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.post(SEND_CODE)["Location"] == DOWNLOAD
    assert len(outbox) == sent  # no second code was sent
    [download] = RequestEvent.objects.filter(request=on_record_request, name="requests.report.downloaded")
    assert download.data == {"file": "pdf", "via": "status_code_on_record"}  # still logged


def test_after_the_window_a_new_code_is_asked_for(client, on_record_request, outbox):
    open_status(client, on_record_request, outbox)
    assert client.get(PDF).status_code == 200
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=16)):
        assert client.get(PDF)["Location"] == LOOKUP
        assert client.get(VIEW)["Location"] == LOOKUP
    assert RequestEvent.objects.filter(name="requests.report.downloaded").count() == 1


def test_a_grant_for_one_submission_does_not_open_anothers_report(
    client, on_record_request, outbox, django_capture_on_commit_callbacks
):
    other = access_request(email="omar@example.com")
    other.submission.email = "omar@example.com"
    other.submission.save(update_fields=["email"])
    fulfil(other, django_capture_on_commit_callbacks)

    open_status(client, on_record_request, outbox)
    assert on_record_request.reference in client.get(PDF)["Content-Disposition"]
    # Asking for B's status drops A's grant; B opens only with B's own code.
    client.post(LOOKUP, {"reference": other.reference, "email": on_record_request.submission.email})
    assert client.get(PDF)["Location"] == LOOKUP
    session = client.session  # a grant naming A cannot be pointed at B's report
    session["report_access"] = {"id": other.pk, "until": timezone.now().timestamp() + 600}
    session["status_access"] = {
        "id": on_record_request.pk,
        "until": timezone.now().timestamp() + 600,
        "on_record": True,
    }
    session.save()
    assert on_record_request.reference in client.get(PDF)["Content-Disposition"]
    assert not RequestEvent.objects.filter(request=other, name="requests.report.downloaded").exists()


def test_a_status_code_to_a_typed_address_not_on_record_does_not_open_the_report(
    client, ready_request, outbox
):
    assert ready_request.submission.email != ready_request.consumer.email
    open_status(client, ready_request, outbox)
    page = client.get(VIEW).content.decode()
    assert "A report download or a change of contact details needs a code" in page
    assert "E-mail me a download code" in page
    assert client.get(PDF)["Location"] == DOWNLOAD
    download_code(client, outbox)
    assert outbox[-1].to == [ready_request.consumer.email]
    assert RequestEvent.objects.get(request=ready_request, name="requests.status.viewed").data == {
        "on_record": False
    }


# --- Issue 15, item 10: numbered sections and no near-empty page ----------------------------------


def _demo_report_pages(kind: str, member_number: str) -> list[str]:
    from django.core.management import call_command

    from records.models import Consumer

    if not Consumer.objects.filter(member_number=member_number).exists():
        call_command("seed_demo", consumers=0, no_progress=True)
    request = PrivacyRequestFactory(kind=kind, consumer=Consumer.objects.get(member_number=member_number))
    pdf = report_render(disclosure=disclosure_compile(request=request)).pdf
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize(
    ("kind", "member_number"),
    [
        (Kind.ACCESS_SPECIFIC, "RN00000001"),  # Maya: withheld types, many systems
        (Kind.ACCESS_SPECIFIC, "RN00000003"),  # nothing withheld: chapter 8 is two lines
        (Kind.KNOW_CATEGORIES, "RN00000003"),
    ],
)
def test_the_demo_report_has_no_near_empty_page_and_its_section_references_point_to_their_headings(
    kind, member_number
):
    pages = _demo_report_pages(kind, member_number)
    # The running header and footer alone are about 80 characters; a heading and a line or two about 250.
    assert all(len(text) >= 300 for text in pages[:-1]), [len(text) for text in pages]

    text = " ".join(pages)
    body = text[text.index("1. About this report", text.index("Contents") + 200) :]
    headings: dict[int, str] = {}  # the first "N. Title" of each number, in order: the chapter headings
    for n, title in re.findall(r"\b(\d{1,2})\. ([A-Z][a-z]+(?: [a-z]+){0,3})", body):
        if int(n) == len(headings) + 1:
            headings[int(n)] = title
    assert set(range(1, 13)) <= set(headings)
    references = [
        int(n) for n in re.findall(r"(?<!policy, )(?<!policy \()\b[Ss]ection (\d{1,2})\b(?! of our)", body)
    ]
    assert references and all(n in headings for n in references), (references, headings)
    # What each reference says it finds is in the chapter of that number.
    assert headings[8].startswith("Information we hold but")  # "section 8 says which of them we hold"
    assert headings[10].startswith("How long we keep")  # "the exceptions in section 10"
    chapter_10 = body[body.index("10. How long we keep it") : body.index("11. Your other rights")]
    assert "in every system listed in section 10" in body  # not 9: a categories report lists none there
    assert "System How long we keep your information" in chapter_10
    assert "collect fees owed" in chapter_10  # the deletion exceptions
