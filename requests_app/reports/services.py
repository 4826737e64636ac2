"""Access fulfilment end to end: compile, render, store encrypted, tell the requester, complete; and the
download behind a fresh one-time code, and the purge of expired reports (DESIGN §6, policy §5A).

`access_report_fulfil` may run any number of times for a request (a redelivered message, the sweeper):
each side effect is guarded by a FulfilmentStepDone row whose (request, step) is unique, so the report
is stored once, the e-mail is sent once and the request completes once.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from records.vault import vault_delete, vault_get, vault_put
from requests_app.emails import email_send
from requests_app.lifecycle import event_record, request_transition
from requests_app.models import (
    ACCESS_KINDS,
    AccessReport,
    FulfilmentStepDone,
    PrivacyRequest,
    ReportStep,
    Status,
    SystemRun,
)
from requests_app.reports.compile import disclosure_compile
from requests_app.reports.render import RenderedReport, report_render
from requests_app.systems.services import consumer_identity, system_points_discard, system_runs_gather
from verification.otp import code_check, code_issue

logger = logging.getLogger(__name__)

STEP_STORED = "report.stored"
STEP_READY_EMAIL = "report.ready_email"
VAULT_FOLDER = "reports"


class ReportUnavailable(Exception):
    """No report to download: not ready yet, expired, or purged."""


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    filename: str
    content_type: str


def _step_claim(*, request_id: int, step: str) -> bool:
    """Record that `step` happened, inside the caller's transaction; False when it already had."""
    try:
        with transaction.atomic():  # a savepoint: the IntegrityError must not poison the outer transaction
            FulfilmentStepDone.objects.create(request_id=request_id, step=step)
    except IntegrityError:
        return False
    return True


def _progress(report: AccessReport, step: str, progress: int) -> None:
    # Its own short write, committed at once, so the status page sees the worker move. Never back from
    # ready: a second run (a redelivered message, the sweeper) that overlaps one which stored the report
    # would otherwise leave it "Preparing" for good, and its download refused, once it finds the report stored.
    AccessReport.objects.filter(pk=report.pk).exclude(step__in=[ReportStep.READY, ReportStep.EXPIRED]).update(
        step=step, progress=progress, updated_at=timezone.now()
    )


def access_report_fulfil(*, request_id: int) -> AccessReport | None:
    """Carry out an access request; safe to call again at any point. None when there is nothing to do."""
    request = PrivacyRequest.objects.select_related("consumer", "submission").get(pk=request_id)
    if request.status != Status.FULFILLING or request.kind not in ACCESS_KINDS:
        return None
    report, _ = AccessReport.objects.get_or_create(request=request)
    if not FulfilmentStepDone.objects.filter(request=request, step=STEP_STORED).exists():
        # --- External systems (requests_app.systems, issue 11): one run each; the report waits for all,
        # and the last run to answer enqueues this step again.
        identity = consumer_identity(request.consumer)
        if not system_runs_gather(request=request, step=SystemRun.Step.EXPORT, identity=identity):
            return None
        # ---
        AccessReport.objects.filter(pk=report.pk).update(attempts=report.attempts + 1)
        _progress(report, ReportStep.COMPILING, 10)
        disclosure = disclosure_compile(request=request)
        _progress(report, ReportStep.RENDERING, 40)
        rendered = report_render(disclosure=disclosure)
        _progress(report, ReportStep.RENDERING, 85)
        report_store(report_id=report.pk, rendered=rendered, data_points=disclosure.point_count)
    system_points_discard(
        request_id=request.pk
    )  # (external systems) their points now live in the report only
    report_ready_notify(request_id=request.pk)
    _request_complete(request_id=request.pk)
    report.refresh_from_db()
    return report


def report_store(*, report_id: int, rendered: RenderedReport, data_points: int) -> bool:
    """Encrypt the PDF and the ZIP into the vault and mark the report ready; False if another run did first."""
    pdf = vault_put(content=rendered.pdf, folder=VAULT_FOLDER)
    archive = vault_put(content=rendered.zip, folder=VAULT_FOLDER)
    with transaction.atomic():
        report = AccessReport.objects.select_for_update().get(pk=report_id)
        if not _step_claim(request_id=report.request_id, step=STEP_STORED):
            transaction.on_commit(lambda: (vault_delete(pdf.name), vault_delete(archive.name)))
            return False
        now = timezone.now()
        report.step, report.progress = ReportStep.READY, 100
        report.pdf_name, report.pdf_sha256, report.pdf_size = pdf.name, pdf.sha256, pdf.size
        report.zip_name, report.zip_sha256, report.zip_size = archive.name, archive.sha256, archive.size
        report.data_points, report.pages = data_points, rendered.pages
        report.ready_at, report.expires_at = now, now + timedelta(days=settings.REPORT_TTL_DAYS)
        report.save()
        event_record(
            request=report.request,
            name="requests.report.ready",
            data={"pages": rendered.pages, "data_points": data_points},
        )
    return True


def report_ready_notify(*, request_id: int) -> bool:
    """E-mail the requester that the report is ready, once (no link token, no personal data in it)."""
    with transaction.atomic():
        request = PrivacyRequest.objects.select_for_update().select_related("submission").get(pk=request_id)
        if not request.submission.email or not _step_claim(request_id=request.pk, step=STEP_READY_EMAIL):
            return False
        # Sent inside the transaction: if sending fails, the step row rolls back and a retry sends it.
        email_send(
            template="report_ready",
            to=request.submission.email,
            language=request.submission.language,
            context={
                "reference": request.reference,
                "ttl_days": settings.REPORT_TTL_DAYS,
                "access_minutes": settings.STATUS_ACCESS_MINUTES,
            },
        )
        event_record(request=request, name="requests.report.ready_email_sent")
    return True


def _request_complete(*, request_id: int) -> None:
    with transaction.atomic():
        request = PrivacyRequest.objects.select_for_update().get(pk=request_id)
        if request.status == Status.FULFILLING:
            request_transition(
                request=request.pk, to=Status.COMPLETED, outcome="complied", reason="report ready"
            )


def report_current(*, request: PrivacyRequest) -> AccessReport | None:
    return AccessReport.objects.filter(request=request).first()


def report_is_available(report: AccessReport | None) -> bool:
    return bool(
        report
        and report.step == ReportStep.READY
        and report.purged_at is None
        and report.expires_at
        and report.expires_at > timezone.now()
    )


def _report_scope(request: PrivacyRequest) -> str:
    # Not the status page's scope: a code to a typed address never opens a report, nor another request's.
    return f"report:{request.pk}"


def _verified_contact(request: PrivacyRequest) -> str:
    """The contact point on record for the matched consumer (DESIGN §5), not what the requester typed."""
    return request.consumer.email if request.consumer_id else ""


def report_code_send(*, request: PrivacyRequest) -> bool:
    """Send a fresh one-time download code to the verified contact point; False when there is no report."""
    to = _verified_contact(request)
    if not to or not report_is_available(report_current(request=request)):
        return False
    code = code_issue(scope=_report_scope(request))
    email_send(
        template="report_code",
        to=to,
        language=request.submission.language,
        context={"code": code, "minutes": settings.OTP_TTL_MINUTES, "reference": request.reference},
    )
    event_record(request=request, name="requests.report.code_sent", actor_label="requester")
    return True


def report_code_verify(*, request: PrivacyRequest, code: str) -> bool:
    if not report_is_available(report_current(request=request)):
        return False
    ok = code_check(scope=_report_scope(request), code=code)
    if ok:
        event_record(request=request, name="requests.report.code_verified", actor_label="requester")
    return ok


def report_download(*, request: PrivacyRequest, which: str, via: str = "") -> ReportFile:
    """Decrypt one file of the report (checksum verified) and record the download, and which code opened
    it (`via`: the status code to the address on record, or a download code)."""
    report = report_current(request=request)
    if not report_is_available(report):
        raise ReportUnavailable
    name, sha256 = (
        (report.pdf_name, report.pdf_sha256) if which == "pdf" else (report.zip_name, report.zip_sha256)
    )
    content = vault_get(name, sha256=sha256)
    event_record(
        request=request,
        name="requests.report.downloaded",
        actor_label="requester",
        data={"file": which, "via": via} if via else {"file": which},
    )
    base = f"rakunest-report-{request.reference}"
    if which == "pdf":
        return ReportFile(content=content, filename=f"{base}.pdf", content_type="application/pdf")
    return ReportFile(content=content, filename=f"{base}.zip", content_type="application/zip")


def reports_purge_expired() -> int:
    """Delete the files of expired reports from the vault; the row stays, marked, for the audit trail."""
    now = timezone.now()
    purged = 0
    expired = AccessReport.objects.filter(expires_at__lte=now, purged_at__isnull=True).values_list(
        "pk", flat=True
    )
    for report_id in list(expired[:1000]):
        with transaction.atomic():
            report = AccessReport.objects.select_for_update().select_related("request").get(pk=report_id)
            if report.purged_at is not None:
                continue
            names = (report.pdf_name, report.zip_name)
            report.step, report.purged_at, report.pdf_name, report.zip_name = ReportStep.EXPIRED, now, "", ""
            report.save(update_fields=["step", "purged_at", "pdf_name", "zip_name", "updated_at"])
            event_record(request=report.request, name="requests.report.purged")
            transaction.on_commit(lambda names=names: [vault_delete(n) for n in names])
        purged += 1
    if purged:
        logger.info("purged %d expired report(s)", purged)
    return purged
