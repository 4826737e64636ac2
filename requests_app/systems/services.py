"""Fulfilment across the external systems of the data map (issue 11, DESIGN §2 and §6).

For an access report and for a deletion, after the built-in connector's part, `system_runs_gather`
creates one SystemRun per external system (records.connectors.registry.external_systems) and enqueues
one task per run; for an approved correction, one per external system whose data map holds a corrected
data-point type. Each task re-locates the person from the identity sealed in its run, exports, erases
or corrects (with the new values sealed in the run) through the system's connector and records counts.
The last run to answer enqueues the step that waits for them all (the report, the deletion's
completion and response, or the correction's); `system_runs_sweep` re-checks, re-enqueues lost
messages and alerts staff about systems failing for too long.

A manual system (no API) is answered by its owner: the run opens an OwnerTask, e-mails the owner a
single-purpose expiring link (no personal data in the e-mail) and waits; the owner uploads what the
system holds, says what was erased or kept, or confirms the corrections it lists.

Nothing here logs, raises or e-mails a personal value: runs hold counts, states and the connectors'
errors (which carry none); the identity and the exported points are kept only encrypted.
"""

import hashlib
import json
import logging
import secrets
from dataclasses import asdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from records.connectors import ConnectorError, CorrectionChanges, ExportedPoint, Identity
from records.connectors.datasets import DatasetError
from records.connectors.registry import external_systems, system_connector
from records.erasure import RETAIN, erasure_plan_for_systems
from records.models import Consumer, DataPointType, RetentionHold, System
from records.vault import VaultError, vault_delete, vault_put, vault_seal, vault_unseal
from requests_app.correction.tasks import correction_complete_task
from requests_app.deletion.tasks import deletion_complete_task
from requests_app.emails import STAFF_LANGUAGE, email_send
from requests_app.exceptions import RequestError
from requests_app.lifecycle import event_record
from requests_app.models import FulfilmentStepDone, OwnerTask, PrivacyRequest, Status, point_value_withheld
from requests_app.models import SystemRun as Run
from requests_app.outbox.services import outbox_task
from requests_app.reports.tasks import fulfil_access_task
from requests_app.states import state_change
from requests_app.systems.tasks import system_run_task

logger = logging.getLogger(__name__)

R = Run.State
# SystemRun.state, moved only through `_change` (requests_app.states). running → running is a restart
# (a retry, or a message redelivered after its worker died); failing → pending is staff's "try again".
RUN_STATES: dict[str, frozenset[str]] = {
    R.PENDING: frozenset({R.RUNNING, R.SKIPPED}),
    R.RUNNING: frozenset({R.RUNNING, R.DONE, R.WAITING_OWNER, R.FAILING, R.SKIPPED}),
    R.FAILING: frozenset({R.RUNNING, R.PENDING, R.SKIPPED}),
    R.WAITING_OWNER: frozenset({R.DONE, R.SKIPPED}),
    R.DONE: frozenset(),
    R.SKIPPED: frozenset(),
}
ANSWERED = (R.DONE, R.SKIPPED)
VAULT_FOLDER = "system-exports"
REPORT_STORED_STEP = "report.stored"  # requests_app.reports.services.STEP_STORED
MAX_ERROR = 300
COUNTS = ("found", "exported", "erased", "kept", "corrected")  # what a run's events may say of its answer


def _change(
    run: Run,
    to: str,
    *,
    actor=None,
    actor_label: str = "system",
    reason: str = "",
    data: dict | None = None,
    **changes,
) -> Run:
    return state_change(
        obj=run,
        field="state",
        to=to,
        table=RUN_STATES,
        request=run.request,
        event=f"requests.systems.{to}",
        actor=actor,
        actor_label=actor_label,
        reason=reason,
        data={"system": run.system.code, "step": run.step, **(data or {})},
        **changes,
    )


# --- The identity and the exported points, encrypted -------------------------------------------------


def consumer_identity(consumer: Consumer | None) -> dict[str, str]:
    """The matched consumer's normalised exact keys (DESIGN §5): what every connector locates by."""
    if consumer is None:
        return {}
    return {"email": consumer.email, "phone": consumer.phone, "member_number": consumer.member_number or ""}


def _unseal(sealed: str) -> Identity:
    try:
        return Identity.of(vault_unseal(sealed))
    except VaultError:
        raise ConnectorError("the run's identity cannot be decrypted with the configured keys") from None


def _unseal_changes(sealed: str) -> dict[str, str]:
    try:
        return vault_unseal(sealed)
    except VaultError:
        raise ConnectorError("the run's corrections cannot be decrypted with the configured keys") from None


def _points_store(points: list[ExportedPoint]) -> tuple[str, str]:
    if not points:
        return "", ""
    content = json.dumps(
        [
            {
                "system_code": p.system_code,
                "type_code": p.type_code,
                "source_code": p.source_code,
                "value": p.value,
                "collected_at": p.collected_at.isoformat(),
            }
            for p in points
        ]
    ).encode()
    stored = vault_put(content=content, folder=VAULT_FOLDER)
    return stored.name, stored.sha256


# --- Fan-out and gathering ---------------------------------------------------------------------------


def system_runs_gather(
    *, request: PrivacyRequest, step: str, identity: dict[str, str], changes: dict[str, str] | None = None
) -> bool:
    """Create the runs of `step` for every external system (once), enqueue the new ones after commit,
    and say whether every run of the step has answered (done or skipped). With no external system
    configured there is nothing to wait for.

    For `correct`, `changes` are the new values by data-point type code: only the systems whose data map
    holds one of the types get a run, each sealed with the values of its own types. Never-disclose and
    image types are never sent (the requester only flags them; staff handle them)."""
    systems = external_systems()
    per_system: dict[int, dict[str, str]] = {}
    if step == Run.Step.CORRECT:
        systems, per_system = _systems_holding(systems, changes or {})
    if not systems:
        return True
    with transaction.atomic():
        have = set(Run.objects.filter(request=request, step=step).values_list("system_id", flat=True))
        created: list[Run] = []
        sealed = vault_seal(identity) if any(identity.values()) else ""
        for system in systems:
            if system.pk in have:
                continue
            try:
                with transaction.atomic():  # a savepoint: a concurrent fan-out may have created it
                    created.append(
                        Run.objects.create(
                            request=request,
                            system=system,
                            step=step,
                            identity_sealed=sealed,
                            changes_sealed=vault_seal(per_system.get(system.pk, {})),
                        )
                    )
            except IntegrityError:
                continue
        if created:
            event_record(
                request=request,
                name="requests.systems.fanned_out",
                data={"step": step, "systems": [run.system.code for run in created]},
            )
            ids = [run.pk for run in created]
            for pk in ids:
                outbox_task(system_run_task, pk)
        return not Run.objects.filter(request=request, step=step).exclude(state__in=ANSWERED).exists()


def _systems_holding(
    systems: list[System], changes: dict[str, str]
) -> tuple[list[System], dict[int, dict[str, str]]]:
    """The systems whose data map holds a corrected type, and each one's share of the changes."""
    types = {t.code: t for t in DataPointType.objects.filter(code__in=changes)}
    changes = {
        code: value
        for code, value in changes.items()
        if code in types and not point_value_withheld(types[code])
    }
    if not changes:
        return [], {}
    held: dict[int, set[str]] = {}
    for system_id, code in DataPointType.objects.filter(
        code__in=changes, category__systems__in=systems
    ).values_list("category__systems", "code"):
        held.setdefault(system_id, set()).add(code)
    chosen = [system for system in systems if system.pk in held]
    return chosen, {s.pk: {code: changes[code] for code in sorted(held[s.pk])} for s in chosen}


def external_erased_system_ids(*, consumer: Consumer | None) -> list[int]:
    """The external systems a deletion erases from (the plan does not retain them): their recipients are
    instructed with the built-in systems' (CCPA §1798.105(c)), before the identifiers are erased."""
    if consumer is None:
        return []
    codes = [system.code for system in external_systems()]
    return erasure_plan_for_systems(consumer=consumer, system_codes=codes).erased_systems if codes else []


def system_runs_answered(*, request_id: int, step: str) -> bool:
    return not Run.objects.filter(request_id=request_id, step=step).exclude(state__in=ANSWERED).exists()


# What waits for every system of a step: the report, the deletion's completion, the correction's.
CONTINUATIONS = {
    Run.Step.EXPORT: fulfil_access_task,
    Run.Step.ERASE: deletion_complete_task,
    Run.Step.CORRECT: correction_complete_task,
}


def _continue_if_answered(request_id: int, step: str) -> bool:
    """Inside the transaction that answered a run, with the request row locked (so that of two runs
    answering at once, the second sees the first): enqueue what waited for them all."""
    if not system_runs_answered(request_id=request_id, step=step):
        return False
    task = CONTINUATIONS[step]
    outbox_task(task, request_id)
    return True


def _locked(run_id: int) -> Run:
    """Lock the run's request, then the run: every change that may be the last answer goes this way."""
    request_id = Run.objects.values_list("request_id", flat=True).get(pk=run_id)
    list(PrivacyRequest.objects.select_for_update().filter(pk=request_id).values_list("pk", flat=True))
    return Run.objects.select_for_update(of=("self",)).select_related("system", "request").get(pk=run_id)


def system_runs_outcomes(*, request: PrivacyRequest) -> list[dict]:
    """What each external system did for a deletion, for the response and the request's outcome: the
    same keys as the built-in connector's outcome (DeletionCase.outcome["systems"]), plus `nothing`
    (the system held nothing) and `skipped` (staff closed it without an answer, with the reason)."""
    outcomes = []
    runs = Run.objects.filter(request=request, step=Run.Step.ERASE).select_related("system")
    for run in runs.order_by("system__position", "pk"):
        base = {
            "system": run.system.code,
            "name": run.system.name,
            "action": "",
            "reason": "",
            "explanation": "",
            "deleted": 0,
            "deidentified": 0,
            "retained": 0,
        }
        if run.state == R.SKIPPED:
            outcomes.append({**base, "action": "skipped", "explanation": run.skip_reason, "skipped": True})
            continue
        outcome = {**base, **run.outcome}
        if (
            outcome["retained"]
            and not outcome["explanation"]
            and outcome["reason"] in RetentionHold.Reason.values
        ):
            # A field the dataset file retains gives a reason code; the consumer reads its label.
            outcome["explanation"] = str(RetentionHold.Reason(outcome["reason"]).label)
        outcome["nothing"] = not (outcome["deleted"] or outcome["deidentified"] or outcome["retained"])
        outcomes.append(outcome)
    return outcomes


def system_runs_corrections(*, request: PrivacyRequest) -> dict[str, list[str]]:
    """The names of the external systems a correction reached, for the requester's e-mail: `corrected`
    (records written), `nothing` (the system held nothing for the person), `skipped` (staff closed the
    run without the system's answer)."""
    result: dict[str, list[str]] = {"corrected": [], "nothing": [], "skipped": []}
    runs = Run.objects.filter(request=request, step=Run.Step.CORRECT).select_related("system")
    for run in runs.order_by("system__position", "pk"):
        if run.state == R.SKIPPED:
            result["skipped"].append(run.system.name)
        elif run.state == R.DONE:
            result["corrected" if run.corrected else "nothing"].append(run.system.name)
    return result


# --- One run -----------------------------------------------------------------------------------------


def system_run_execute(*, run_id: int, retries: int = 0) -> bool:
    """Carry out one run; True when this call answered it (or opened its owner task).

    Idempotent: a run done, skipped or waiting for its owner is left alone. A ConnectorError is recorded
    (failing, next attempt) and raised again for the task to retry; a DatasetError is a configuration
    problem that retrying cannot fix: the run fails at once and staff are alerted.
    """
    with transaction.atomic():
        run = _locked(run_id)
        if run.state not in (R.PENDING, R.RUNNING, R.FAILING) or run.configuration_error:
            return False
        if run.request.status != Status.FULFILLING:  # denied or withdrawn meanwhile
            return False
        now = timezone.now()
        _change(
            run,
            R.RUNNING,
            data={"attempt": run.attempts + 1},
            attempts=run.attempts + 1,
            started_at=run.started_at or now,
            next_attempt_at=None,
        )
    # Outside the transaction: the system's own database or API may take its time.
    system = run.system
    try:
        identity = _unseal(run.identity_sealed)
        if system.connector == System.Connector.MANUAL:
            return _owner_task_open(run, identity)
        if not identity.items():
            return _finish(run)  # nothing to look the person up by (no matched consumer)
        connector = system_connector(system)
        handles = list(connector.locate(identity))
        if run.step == Run.Step.EXPORT:
            points = list(connector.export(handles)) if handles else []
            name, sha256 = _points_store(points)
            return _finish(
                run, found=len(handles), exported=len(points), points_name=name, points_sha256=sha256
            )
        if run.step == Run.Step.ERASE:
            plan = erasure_plan_for_systems(consumer=run.request.consumer, system_codes=[system.code])
            [outcome] = connector.erase(handles, plan).systems
            return _finish(
                run,
                found=len(handles),
                erased=outcome.deleted + outcome.deidentified,
                kept=outcome.retained,
                outcome=_outcome_json(outcome),
            )
        if run.step == Run.Step.CORRECT:
            changes = _unseal_changes(run.changes_sealed)
            result = connector.correct(handles, CorrectionChanges(point_types=changes)) if handles else None
            return _finish(
                run,
                found=len(handles),
                corrected=result.points_updated if result else 0,
                outcome={"types": sorted(changes)},
            )
        raise DatasetError([f"{system.code}: step {run.step} is not carried out across systems"])
    except DatasetError as exc:
        _fail(run, error=str(exc).splitlines()[0], configuration=True, retries=retries)
        return False
    except ConnectorError as exc:
        _fail(run, error=str(exc), retries=retries)
        raise
    except Exception as exc:
        # A fault of ours or of a connector (a bug, an answer of an unexpected shape): recorded and retried
        # like an outage, so it shows as failing and alerts staff. Only the type is kept: an exception's
        # message may quote a value.
        error = f"{system.code}: unexpected {type(exc).__name__}"
        # No traceback either: it would print the message.
        logger.error("system run %s (%s, %s): %s", run.pk, system.code, run.step, error)
        _fail(run, error=error, retries=retries)
        raise ConnectorError(error) from None


def _outcome_json(outcome) -> dict:
    data = asdict(outcome)
    return {
        "system": data.pop("system_code"),
        "name": data.pop("system_name"),
        **data,
    }


def _finish(run: Run, **counts) -> bool:
    """The run answered: done, with its counts; the sealed identity goes."""
    with transaction.atomic():
        run = _locked(run.pk)
        if run.state != R.RUNNING:  # skipped by staff meanwhile: what came back is not used
            transaction.on_commit(lambda: vault_delete(counts.get("points_name", "")))
            return False
        data = {k: counts[k] for k in COUNTS if k in counts}
        _change(
            run,
            R.DONE,
            data=data,
            finished_at=timezone.now(),
            identity_sealed="",
            changes_sealed="",
            last_error="",
            **counts,
        )
        _continue_if_answered(run.request_id, run.step)
    logger.info("system run %s (%s, %s) done", run.pk, run.system.code, run.step)
    return True


def _fail(run: Run, *, error: str, retries: int, configuration: bool = False) -> None:
    now = timezone.now()
    exhausted = configuration or retries >= settings.SYSTEM_RUN_MAX_RETRIES
    countdown = min(settings.SYSTEM_RUN_RETRY_BASE_SECONDS * 2**retries, 3600)
    with transaction.atomic():
        run = _locked(run.pk)
        if run.state != R.RUNNING:
            return
        _change(
            run,
            R.FAILING,
            data={"attempt": run.attempts, "error": error[:MAX_ERROR], "retry": not exhausted},
            last_error=error[:MAX_ERROR],
            configuration_error=configuration,
            failing_since=run.failing_since or now,
            next_attempt_at=None if exhausted else now + timedelta(seconds=countdown),
        )
        if configuration and run.alerted_at is None:
            _alert_send(run)  # a configuration problem does not pass by itself: say so at once
    logger.warning("system run %s (%s, %s) failing: %s", run.pk, run.system.code, run.step, error[:MAX_ERROR])


def _alert_send(run: Run) -> None:
    """E-mail the request's assignee (or the privacy inbox) once about a failing system."""
    request = run.request
    assignee = request.assignee if request.assignee_id else None
    to = (assignee.email if assignee else "") or settings.PRIVACY_CONTACT_EMAIL
    email_send(
        template="system_failing",
        to=to,
        language=STAFF_LANGUAGE,  # to our privacy team, who work in English
        context={
            "reference": request.reference,
            "system": run.system.name,
            "step": run.get_step_display().lower(),
            "attempts": run.attempts,
            "max_attempts": settings.SYSTEM_RUN_MAX_RETRIES + 1,
            "error": run.last_error,
            "configuration": run.configuration_error,
            "since": run.failing_since,
            "staff_url": _site(reverse("staff:request_detail", args=[request.reference])),
        },
    )
    run.alerted_at = timezone.now()
    run.save(update_fields=["alerted_at", "updated_at"])
    event_record(
        request=request, name="requests.systems.alerted", data={"system": run.system.code, "to": "staff"}
    )


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# --- Staff: skip a system, try it again ---------------------------------------------------------------


def system_run_skip(*, run_id: int, actor, reason: str) -> Run:
    """Close a run without the system's answer, with the approver's reason (audited). Which roles may do
    this is the staff app's decision (staff/permissions.py)."""
    reason = reason.strip()
    if not reason:
        raise RequestError(_("Say why this system is skipped; it is recorded."), code="missing_text")
    with transaction.atomic():
        run = _locked(run_id)
        if run.answered:
            raise RequestError(_("This system has already answered."), code="already_answered")
        _change(
            run,
            R.SKIPPED,
            actor=actor,
            reason=reason,
            skipped_by=actor,
            skip_reason=reason,
            finished_at=timezone.now(),
            identity_sealed="",
            changes_sealed="",
            next_attempt_at=None,
        )
        OwnerTask.objects.filter(run=run, answered_at__isnull=True).update(
            expires_at=timezone.now(), next_reminder_at=None
        )
        _continue_if_answered(run.request_id, run.step)
    return run


def system_run_retry(*, run_id: int, actor) -> Run:
    """Try a failing system again now (after its dataset file or the system itself was fixed)."""
    with transaction.atomic():
        run = _locked(run_id)
        if run.state != R.FAILING:
            raise RequestError(_("Only a failing system can be tried again."), code="not_failing")
        _change(run, R.PENDING, actor=actor, configuration_error=False, next_attempt_at=None)
        outbox_task(system_run_task, run_id)
    return run


# --- The sweeper ---------------------------------------------------------------------------------------


def system_runs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Beat: re-enqueue runs whose message was lost, alert about systems failing too long, and re-check
    requests whose runs have all answered but whose next step did not start."""
    now = now or timezone.now()
    stuck = now - timedelta(minutes=settings.STUCK_REQUEST_MINUTES)
    open_runs = Run.objects.filter(request__status=Status.FULFILLING)
    lost = list(
        open_runs.filter(state__in=(R.PENDING, R.RUNNING), updated_at__lt=stuck).values_list("pk", flat=True)[
            :500
        ]
    )
    lost += list(
        open_runs.filter(state=R.FAILING, configuration_error=False, next_attempt_at__lt=stuck).values_list(
            "pk", flat=True
        )[:500]
    )
    for pk in lost:
        system_run_task.delay(pk)
    alerted = 0
    late = now - timedelta(minutes=settings.SYSTEM_FAILING_ALERT_MINUTES)
    for pk in list(
        open_runs.filter(state=R.FAILING, failing_since__lt=late, alerted_at__isnull=True).values_list(
            "pk", flat=True
        )[:200]
    ):
        with transaction.atomic():
            run = (
                Run.objects.select_for_update(of=("self",))
                .select_related("request__assignee", "system")
                .get(pk=pk)
            )
            if run.state == R.FAILING and run.alerted_at is None:
                _alert_send(run)
                alerted += 1
    resumed = _resume_gathered(stuck)
    return {"enqueued": len(lost), "alerted": alerted, "resumed": resumed}


def _resume_gathered(stuck: datetime) -> int:
    """Requests still fulfilling whose runs have all answered for a while: their continuation was lost."""
    candidates = (
        Run.objects.filter(request__status=Status.FULFILLING, finished_at__lt=stuck)
        .values_list("request_id", "step")
        .distinct()
    )
    resumed = 0
    for request_id, step in list(candidates[:500]):
        if not system_runs_answered(request_id=request_id, step=step):
            continue
        if (
            step == Run.Step.EXPORT
            and FulfilmentStepDone.objects.filter(request_id=request_id, step=REPORT_STORED_STEP).exists()
        ):
            continue
        CONTINUATIONS[step].delay(request_id)
        resumed += 1
    return resumed


# --- Manual systems: the owner task -----------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_link(task: OwnerTask, now: datetime) -> str:
    token = secrets.token_urlsafe(32)
    task.token_hash = _token_hash(token)
    task.expires_at = now + timedelta(days=settings.MANUAL_TASK_DAYS)
    return _site(reverse("requests_app:system_owner_task", args=[token]))


def _owner_email(task: OwnerTask, link: str, *, reminder: int = 0) -> None:
    run = task.run
    email_send(
        template="system_owner_task",
        to=run.system.owner_email,
        language=STAFF_LANGUAGE,  # to the system's owner, one of our own staff
        context={
            "system": run.system.name,
            "reference": run.request.reference,
            "step": run.step,
            "link": link,
            "expires_at": task.expires_at,
            "reminder": reminder,
        },
    )


def _owner_task_open(run: Run, identity: Identity) -> bool:
    system = run.system
    if not identity.items():
        return _finish(run)  # nobody to search for
    if not system.owner_email:
        raise DatasetError([f"{system.code}: a manual system needs its owner's e-mail address (data map)"])
    with transaction.atomic():
        run = _locked(run.pk)
        if run.state != R.RUNNING:
            return False
        now = timezone.now()
        task = OwnerTask.objects.filter(run=run).first() or OwnerTask(run=run, sent_at=now)
        link = _new_link(task, now)
        task.sent_at = now
        task.next_reminder_at = now + timedelta(hours=settings.MANUAL_TASK_REMINDER_HOURS)
        task.save()
        # Sent inside the transaction: if sending fails, nothing is recorded and the task retries.
        _owner_email(task, link)
        _change(run, R.WAITING_OWNER, data={"owner_task": task.pk})
    return True


def owner_tasks_remind(*, now: datetime | None = None) -> int:
    """Beat: remind owners who have not answered, each time with a new link (the old one stops working)."""
    now = now or timezone.now()
    due = list(
        OwnerTask.objects.filter(
            answered_at__isnull=True,
            next_reminder_at__lte=now,
            run__state=R.WAITING_OWNER,
            run__request__status=Status.FULFILLING,
        ).values_list("pk", flat=True)[:200]
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            task = (
                OwnerTask.objects.select_for_update(of=("self",))
                .select_related("run__system", "run__request")
                .get(pk=pk)
            )
            if task.answered_at or task.next_reminder_at is None or task.next_reminder_at > now:
                continue
            link = _new_link(task, now)
            task.reminders_sent += 1
            task.next_reminder_at = now + timedelta(hours=settings.MANUAL_TASK_REMINDER_HOURS)
            task.save(update_fields=["token_hash", "expires_at", "reminders_sent", "next_reminder_at"])
            _owner_email(task, link, reminder=task.reminders_sent)
            event_record(
                request=task.run.request,
                name="requests.systems.owner_reminded",
                data={"system": task.run.system.code, "reminder": task.reminders_sent},
            )
        sent += 1
    return sent


def owner_task_for_token(token: str) -> OwnerTask | None:
    """The open task behind a link; None for an unknown, expired or answered one (the page says which
    only as "this link no longer works")."""
    if not token or len(token) > 100:
        return None
    task = (
        OwnerTask.objects.select_related("run__system", "run__request__consumer")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if task is None or task.answered_at or task.expires_at <= timezone.now():
        return None
    if task.run.state != R.WAITING_OWNER or task.run.request.status != Status.FULFILLING:
        return None
    return task


def system_runs_closed_hook(*, request: PrivacyRequest) -> None:
    """Lifecycle hook when a request closes (registered in RequestsAppConfig.ready): whatever its runs
    still hold to find the person goes, and an owner's open link stops working. A completed request's
    runs have all answered already; this is for one denied or withdrawn while a system was still out."""
    Run.objects.filter(request=request).exclude(identity_sealed="", changes_sealed="").update(
        identity_sealed="", changes_sealed=""
    )
    OwnerTask.objects.filter(run__request=request, answered_at__isnull=True).update(
        expires_at=timezone.now(), next_reminder_at=None
    )


def owner_task_identifiers(task: OwnerTask) -> list[tuple[str, str]]:
    """What the owner searches by: the normalised identifiers sealed in the run."""
    labels = {
        "email": _("E-mail address"),
        "phone": _("Telephone number"),
        "member_number": _("Member number"),
    }
    return [(str(labels[kind]), value) for kind, value in _unseal(task.run.identity_sealed).items()]


def owner_task_plan(task: OwnerTask):
    """What the data map (and any staff hold) says to do with this system's records: the plan entry."""
    run = task.run
    [entry] = erasure_plan_for_systems(consumer=run.request.consumer, system_codes=[run.system.code]).entries
    return entry


def owner_allowed_types(system: System) -> dict:
    """The data-point types the data map lets this system hold (those of its categories), by code."""
    return {
        t.code: t for t in DataPointType.objects.filter(category__systems=system).select_related("category")
    }


def _point_source(system: System) -> str:
    source = system.sources.order_by("pk").first()
    return source.code if source else "direct"


def owner_task_upload(*, token: str, rows: list[dict[str, str]]) -> OwnerTask:
    """The owner's export: validated rows (requests_app.systems.uploads), saved whole or not at all."""
    task = owner_task_for_token(token)
    if task is None:
        raise RequestError(_("This link no longer works."), code="link_dead")
    if task.run.step != Run.Step.EXPORT:
        raise RequestError(_("This task asks for erasure, not an export."), code="wrong_step")
    system = task.run.system
    source, now = _point_source(system), timezone.now()
    points = [
        ExportedPoint(system.code, type_code, source, value, collected or now)
        for row in rows
        for type_code, value, collected in row["points"]
    ]
    name, sha256 = _points_store(points)
    return _owner_answer(
        task,
        answer=OwnerTask.Answer.UPLOADED if points else OwnerTask.Answer.NOTHING_HELD,
        counts={"found": len(rows), "exported": len(points), "points_name": name, "points_sha256": sha256},
    )


def owner_task_nothing_held(*, token: str) -> OwnerTask:
    task = owner_task_for_token(token)
    if task is None:
        raise RequestError(_("This link no longer works."), code="link_dead")
    counts: dict = {"found": 0}
    if task.run.step == Run.Step.ERASE:
        counts["outcome"] = _owner_outcome(task.run.system, action="delete")
    return _owner_answer(task, answer=OwnerTask.Answer.NOTHING_HELD, counts=counts)


def owner_task_erasure(
    *, token: str, erased: bool, count: int, reason: str = "", explanation: str = ""
) -> OwnerTask:
    """The owner's answer to an erasure: erased `count` records, or kept them with a reason (required)."""
    task = owner_task_for_token(token)
    if task is None:
        raise RequestError(_("This link no longer works."), code="link_dead")
    if task.run.step != Run.Step.ERASE:
        raise RequestError(_("This task asks for an export, not an erasure."), code="wrong_step")
    if count < 1:
        raise RequestError(_("Say how many records; if there are none, say that the system holds nothing."))
    system = task.run.system
    if erased:
        outcome = _owner_outcome(system, action="delete", deleted=count)
        return _owner_answer(
            task, answer=OwnerTask.Answer.ERASED, counts={"found": count, "erased": count, "outcome": outcome}
        )
    explanation = explanation.strip()
    if reason not in RetentionHold.Reason.values or not explanation:
        raise RequestError(
            _("Say why the records are kept: choose the reason and explain it."), code="missing_text"
        )
    outcome = _owner_outcome(system, action=RETAIN, reason=reason, explanation=explanation, retained=count)
    return _owner_answer(
        task,
        answer=OwnerTask.Answer.KEPT,
        counts={"found": count, "kept": count, "outcome": outcome},
        kept_reason=explanation,
    )


def owner_task_corrections(task: OwnerTask) -> list[tuple[str, str]]:
    """What the owner is asked to write: each corrected type's name and its new value (sealed in the run)."""
    changes = _unseal_changes(task.run.changes_sealed)
    names = dict(DataPointType.objects.filter(code__in=changes).values_list("code", "name"))
    return [(names.get(code, code), value) for code, value in sorted(changes.items())]


def owner_task_corrected(*, token: str, count: int) -> OwnerTask:
    """The owner's answer to a correction: the listed values were written to `count` records."""
    task = owner_task_for_token(token)
    if task is None:
        raise RequestError(_("This link no longer works."), code="link_dead")
    if task.run.step != Run.Step.CORRECT:
        raise RequestError(_("This task does not ask for a correction."), code="wrong_step")
    if count < 1:
        raise RequestError(_("Say how many records; if there are none, say that the system holds nothing."))
    types = sorted(_unseal_changes(task.run.changes_sealed))
    return _owner_answer(
        task,
        answer=OwnerTask.Answer.CORRECTED,
        counts={"found": count, "corrected": count, "outcome": {"types": types}},
    )


def _owner_outcome(system: System, *, action: str, reason: str = "", explanation: str = "", **counts) -> dict:
    return {
        "system": system.code,
        "name": system.name,
        "action": action,
        "reason": reason,
        "explanation": explanation,
        "deleted": counts.get("deleted", 0),
        "deidentified": 0,
        "retained": counts.get("retained", 0),
    }


def _owner_answer(task: OwnerTask, *, answer: str, counts: dict, kept_reason: str = "") -> OwnerTask:
    with transaction.atomic():
        run = _locked(task.run_id)
        task = OwnerTask.objects.select_for_update().get(pk=task.pk)
        if task.answered_at or run.state != R.WAITING_OWNER:
            vault_delete(counts.get("points_name", ""))  # now: raising rolls back any on_commit
            raise RequestError(_("This task was already answered."), code="answered")
        task.answered_at, task.answer, task.kept_reason = timezone.now(), answer, kept_reason
        task.next_reminder_at = None
        task.save(update_fields=["answered_at", "answer", "kept_reason", "next_reminder_at"])
        data = {k: counts[k] for k in COUNTS if k in counts}
        _change(
            run,
            R.DONE,
            actor_label="system owner",
            data={**data, "answer": answer},
            finished_at=timezone.now(),
            identity_sealed="",
            changes_sealed="",
            **counts,
        )
        _continue_if_answered(run.request_id, run.step)
    task.run = run
    return task


# --- After the report: the exported points go --------------------------------------------------------


def system_points_discard(*, request_id: int) -> int:
    """Delete the vault files of a request's exported points once its report is stored (they are in the
    report, encrypted, and nowhere else)."""
    names = list(
        Run.objects.filter(request_id=request_id, step=Run.Step.EXPORT)
        .exclude(points_name="")
        .values_list("pk", "points_name")
    )
    for pk, name in names:
        vault_delete(name)
        Run.objects.filter(pk=pk).update(points_name="", points_sha256="")
    return len(names)
