"""Correction (Regs §7023): the requester says what is wrong, staff decide, the records and recipients follow.

1. The verified request's fulfilment task (`correction_start`) invites the requester to pick, on the
   status page (opened with a fresh code), the values we hold that are wrong, and to give the right ones
   with optional documents (sanitised, encrypted in the vault, deleted after the decision: §7023(d)(2)).
2. A change of the e-mail address or phone number that verification relies on must be confirmed with a
   code sent to the e-mail address on record (the old contact point), which is also told afterwards.
3. Staff decide on the totality of the circumstances (`correction_decide`, notes recorded). Approval
   corrects the portal's own tables through the built-in connector, instructs recipients, and writes the
   new values to every external system whose data map holds a corrected type (one SystemRun each,
   requests_app.systems); the requester is told once every system has answered or was skipped
   (`correction_complete`), with the systems corrected. Denial gives the basis and, for health
   information, lets the consumer add a statement of up to 250 words to their record (§7023(f)(3)).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from records.connectors import CorrectionChanges, PointChange, connectors_for
from records.models import ConsumerStatement, DataPoint, System
from records.vault import vault_delete, vault_get, vault_put
from requests_app.emails import email_send
from requests_app.exceptions import RequestError
from requests_app.fulfilment import fulfilling_request_lock
from requests_app.lifecycle import event_record, request_transition
from requests_app.models import (
    CorrectionCase,
    CorrectionDocument,
    CorrectionItem,
    Kind,
    PrivacyRequest,
    Status,
    SystemRun,
    point_value_withheld,
)
from requests_app.processors.services import processor_notices_create, recipients_for_systems
from requests_app.states import state_change
from requests_app.systems.services import (
    consumer_identity,
    system_runs_answered,
    system_runs_corrections,
    system_runs_gather,
)
from verification.normalize import (
    NormalizationError,
    normalize_dob,
    normalize_email,
    normalize_name,
    normalize_phone,
)
from verification.otp import code_check, code_issue
from verification.uploads import SanitizedUpload

MAX_VALUE_LENGTH = 500
MAX_DOCUMENTS = 3
MAX_STATEMENT_WORDS = 250
CORRECTABLE_LIMIT = 300
# Activity logs are records of what happened, not statements about the person that can be inaccurate.
NOT_CORRECTABLE_CATEGORIES = frozenset({"internet_activity"})
# Contact points verification relies on (DESIGN §5): changing them needs the old one's confirmation.
CONTACT_TYPES = frozenset({"email", "phone"})
IDENTITY_SYSTEM = "member_accounts"
# Withheld types a flagged correction answers with a reset link, which staff send.
RESET_LINK_TYPES = frozenset({"account_password"})
HEALTH_CATEGORY = "health_biometric"

C = CorrectionCase.State
# CorrectionCase.state, moved only through `_state_change` (requests_app.states).
CORRECTION_STATES: dict[str, frozenset[str]] = {
    C.AWAITING_DETAILS: frozenset({C.SUBMITTED}),
    C.SUBMITTED: frozenset({C.APPROVED, C.DENIED}),
    C.APPROVED: frozenset(),
    C.DENIED: frozenset(),
}


@dataclass(frozen=True)
class ItemInput:
    """A corrected value; for a withheld type (point_value_withheld) `value` is "": "this is wrong"."""

    data_point_id: int
    value: str


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _contact_scope(request: PrivacyRequest) -> str:
    return f"correction-contact:{request.pk}"


def _case_locked(request_id: int) -> CorrectionCase:
    return (
        CorrectionCase.objects.select_for_update()
        .select_related("request__submission")
        .get(request_id=request_id)
    )


def _state_change(case: CorrectionCase, to: str, **kwargs) -> CorrectionCase:
    return state_change(obj=case, field="state", to=to, table=CORRECTION_STATES, **kwargs)


# --- Reads ------------------------------------------------------------------------------------------


def correctable_points(*, request: PrivacyRequest) -> list[DataPoint]:
    """The values we hold that the requester may dispute, by system (shown only after verification)."""
    if request.consumer_id is None:
        return []
    return list(
        DataPoint.objects.filter(consumer_id=request.consumer_id, redacted_at__isnull=True)
        .exclude(point_type__category__code__in=NOT_CORRECTABLE_CATEGORIES)
        .select_related("system", "point_type", "point_type__category")
        .order_by("system__position", "point_type__name", "pk")[:CORRECTABLE_LIMIT]
    )


def normalised_for_type(type_code: str, value: str) -> str:
    """Check a corrected value of a type verification relies on; raise NormalizationError if unusable."""
    if type_code == "email":
        return normalize_email(value)
    if type_code == "phone":
        return normalize_phone(value)
    if type_code == "date_of_birth":
        return normalize_dob(value).isoformat()
    return value


# --- Step 1: invite ---------------------------------------------------------------------------------


def correction_start(*, request_id: int) -> bool:
    """Fulfilment of a `correct` request: open its case and invite the requester (once)."""
    with transaction.atomic():
        request = fulfilling_request_lock(request_id, Kind.CORRECT)
        if request is None:
            return False
        case, _created = CorrectionCase.objects.get_or_create(request=request)
        if case.invited_at:
            return False
        email_send(
            template="correction_invite",
            to=request.submission.email,
            language=request.submission.language,
            context={
                "reference": request.reference,
                "status_url": _site(reverse("requests_app:status_lookup")),
            },
        )
        case.invited_at = timezone.now()
        case.save(update_fields=["invited_at"])
        event_record(request=request, name="requests.correction.invited")
    return True


# --- Step 2: the requester's details ------------------------------------------------------------------


def correction_submit(
    *,
    request: PrivacyRequest,
    items: list[ItemInput],
    explanation: str = "",
    documents: list[SanitizedUpload] = (),
    contact_proven: bool = False,
) -> CorrectionCase:
    """Record what the requester says is wrong; raise RequestError (nothing written) when it cannot be.

    A change of contact details needs a code to the contact point on record, unless `contact_proven`: the
    requester's status access came from a code sent there, still inside its window (issue 15, item 7)."""
    _submission_check(items=items, documents=documents)
    held = {p.pk: p for p in correctable_points(request=request)}
    stored_files: list[str] = []
    try:
        with transaction.atomic():
            case = _case_awaiting_details(request)
            rows = _items_build(case=case, items=items, held=held)
            CorrectionItem.objects.bulk_create(rows)
            _documents_store(case=case, documents=documents, stored_files=stored_files)
            contact_change = any(_changes_contact(row) for row in rows)
            _state_change(
                case,
                C.SUBMITTED,
                request=request,
                event="requests.correction.submitted",
                actor_label="requester",
                data={
                    "items": [{"system": r.system.code, "type": r.point_type.code} for r in rows],
                    "documents": len(documents),
                    "contact_change": contact_change,
                },
                submitted_at=timezone.now(),
                explanation=explanation.strip()[:4000],
                contact_change=contact_change,
            )
            if contact_change and contact_proven:
                case.contact_confirmed_at = timezone.now()
                case.save(update_fields=["contact_confirmed_at"])
                event_record(
                    request=request,
                    name="requests.correction.contact_confirmed",
                    actor_label="requester",
                    data={"via": "status_code_on_record"},
                )
            elif contact_change:
                _contact_code_send(case)
    except BaseException:
        for name in stored_files:  # nothing half-written: files of a rolled-back submission go too
            vault_delete(name)
        raise
    return case


def _submission_check(*, items: list[ItemInput], documents: list[SanitizedUpload]) -> None:
    if not items:
        raise RequestError(_("Give the correct value for at least one item."), code="no_items")
    if len(documents) > MAX_DOCUMENTS:
        raise RequestError(
            _("Send at most %(n)d documents.") % {"n": MAX_DOCUMENTS}, code="too_many_documents"
        )


def _case_awaiting_details(request: PrivacyRequest) -> CorrectionCase:
    case = _case_locked(request.pk)
    if request.status != Status.FULFILLING or case.state != C.AWAITING_DETAILS:
        raise RequestError(_("This request is not waiting for correction details."), code="wrong_state")
    return case


def _items_build(
    *, case: CorrectionCase, items: list[ItemInput], held: dict[int, DataPoint]
) -> list[CorrectionItem]:
    """One unsaved row per corrected value, each checked against the value we hold."""
    rows = []
    for item in items:
        point = held.get(item.data_point_id)
        value = item.value.strip()
        if point is None:
            raise RequestError(_("Choose items from the list we showed you."), code="unknown_item")
        if point_value_withheld(point.point_type):
            if value:
                raise RequestError(
                    _(
                        "For your security we do not take “%(type)s” in writing: tick “This is wrong” and "
                        "our privacy team will handle it."
                    )
                    % {"type": point.point_type.name},
                    code="withheld_value",
                )
            rows.append(
                CorrectionItem(case=case, data_point=point, system=point.system, point_type=point.point_type)
            )
            continue
        if not value or len(value) > MAX_VALUE_LENGTH:
            raise RequestError(
                _("Each corrected value must have 1 to %(n)d characters.") % {"n": MAX_VALUE_LENGTH},
                code="bad_value",
            )
        if value == point.value:
            raise RequestError(
                _("The corrected value for “%(type)s” is the same as the one we hold.")
                % {"type": point.point_type.name},
                code="unchanged",
            )
        rows.append(
            CorrectionItem(
                case=case,
                data_point=point,
                system=point.system,
                point_type=point.point_type,
                corrected_value=value,
            )
        )
    return rows


def _changes_contact(row: CorrectionItem) -> bool:
    return row.point_type.code in CONTACT_TYPES and row.system.code == IDENTITY_SYSTEM


def _documents_store(
    *, case: CorrectionCase, documents: list[SanitizedUpload], stored_files: list[str]
) -> None:
    """Into the vault; each stored name goes into `stored_files` at once, for the caller's clean-up."""
    for document in documents:
        stored = vault_put(content=document.content, folder="corrections")
        stored_files.append(stored.name)
        CorrectionDocument.objects.create(
            case=case,
            storage_name=stored.name,
            sha256=stored.sha256,
            size=stored.size,
            content_type=document.content_type,
            display_name=document.display_name,
        )


def _contact_code_send(case: CorrectionCase) -> None:
    request = case.request
    email_send(
        template="correction_contact_confirm",
        to=request.consumer.email,
        language=request.submission.language,
        context={
            "reference": request.reference,
            "code": code_issue(scope=_contact_scope(request)),
            "minutes": settings.OTP_TTL_MINUTES,
        },
    )
    event_record(request=request, name="requests.correction.contact_code_sent")


def correction_contact_code_resend(*, request: PrivacyRequest) -> bool:
    with transaction.atomic():
        case = _case_locked(request.pk)
        if (
            not case.contact_change
            or case.contact_confirmed_at
            or case.state != CorrectionCase.State.SUBMITTED
        ):
            return False
        _contact_code_send(case)
    return True


def correction_contact_confirm(*, request: PrivacyRequest, code: str) -> bool:
    """The code sent to the contact point on record proves its owner agrees to the change."""
    if not code_check(scope=_contact_scope(request), code=code):
        return False
    with transaction.atomic():
        case = _case_locked(request.pk)
        if not case.contact_change or case.contact_confirmed_at:
            return False
        case.contact_confirmed_at = timezone.now()
        case.save(update_fields=["contact_confirmed_at"])
        event_record(request=request, name="requests.correction.contact_confirmed", actor_label="requester")
    return True


# --- Step 3: the decision -----------------------------------------------------------------------------


def correction_decide(
    *, request: PrivacyRequest, actor, approve: bool, notes: str, basis: str = ""
) -> CorrectionCase:
    """Staff decide on the totality of the circumstances (Regs §7023(b)); notes are required, and a
    denial needs its basis, which the requester is told."""
    notes, basis = _decision_check(actor=actor, approve=approve, notes=notes, basis=basis)
    with transaction.atomic():
        case, request = _case_awaiting_decision(request, approve=approve)
        items = list(case.items.select_related("system", "point_type__category"))
        now = timezone.now()
        summary = [{"system": i.system.code, "type": i.point_type.code} for i in items]
        answered = False
        if approve:
            answered = _apply(request=request, case=case, items=items)
            health_statement_allowed = case.health_statement_allowed
        else:
            health_statement_allowed = any(i.point_type.category.code == HEALTH_CATEGORY for i in items)
            _deny(
                request=request,
                items=items,
                actor=actor,
                basis=basis,
                summary=summary,
                health_statement_allowed=health_statement_allowed,
            )
        _state_change(
            case,
            C.APPROVED if approve else C.DENIED,
            request=request,
            event="requests.correction.decided",
            actor=actor,
            reason=notes,
            data={"approved": approve, "items": summary},
            decided_at=now,
            decided_by=actor,
            notes=notes,
            basis=basis,
            health_statement_allowed=health_statement_allowed,
        )
        _evidence_discard(case, now=now)
        if answered:  # no external system to wait for
            _correction_respond(request=request, case=case, actor=actor)
    return case


def _decision_check(*, actor, approve: bool, notes: str, basis: str) -> tuple[str, str]:
    """The notes and basis, stripped; RequestError when the decision cannot be recorded as given."""
    # Which staff roles may decide is the staff app's decision (staff/evidence.py checks its role table).
    if actor is None or not actor.is_authenticated:
        raise RequestError(_("Only privacy staff can decide a correction."), code="not_staff")
    notes, basis = notes.strip(), basis.strip()
    if not notes:
        raise RequestError(_("Record the circumstances you weighed in the notes."), code="no_notes")
    if not approve and not basis:
        raise RequestError(_("Give the basis for the denial; the requester is told it."), code="no_basis")
    return notes, basis


def _case_awaiting_decision(
    request: PrivacyRequest, *, approve: bool
) -> tuple[CorrectionCase, PrivacyRequest]:
    """The case and its request, both locked, when the case waits for this decision."""
    case = _case_locked(request.pk)
    request = (
        PrivacyRequest.objects.select_for_update(of=("self",)).select_related("consumer").get(pk=request.pk)
    )
    if case.state != C.SUBMITTED or request.status != Status.FULFILLING:
        raise RequestError(_("This correction is not waiting for a decision."), code="wrong_state")
    if approve and case.contact_change and not case.contact_confirmed_at:
        raise RequestError(
            _("The change of contact details must first be confirmed at the e-mail address on record."),
            code="contact_unconfirmed",
        )
    return case, request


def _deny(
    *,
    request: PrivacyRequest,
    items: list[CorrectionItem],
    actor,
    basis: str,
    summary: list[dict],
    health_statement_allowed: bool,
) -> None:
    email_send(
        template="correction_denied",
        to=request.submission.email,
        language=request.submission.language,
        context={
            "first_name": request.submission.first_name,
            "reference": request.reference,
            "basis": basis,
            "items": items,
            "health_statement": health_statement_allowed,
            "max_words": MAX_STATEMENT_WORDS,
            "status_url": _site(reverse("requests_app:status_lookup")),
        },
    )
    request_transition(
        request=request,
        to=Status.DENIED,
        actor=actor,
        reason=basis,
        outcome="denied",
        denial_reason="correction_denied",
        data={"items": summary},
    )


def _evidence_discard(case: CorrectionCase, *, now) -> None:
    """The decision is made: the disputed values and the documents are no longer needed here."""
    case.items.update(corrected_value="")
    for document in case.documents.filter(deleted_at__isnull=True):
        name = document.storage_name
        transaction.on_commit(lambda name=name: vault_delete(name))
    case.documents.update(deleted_at=now)


def _apply(*, request: PrivacyRequest, case: CorrectionCase, items: list[CorrectionItem]) -> bool:
    """Correct the portal's own tables, instruct recipients, and fan the new values out to the external
    systems that hold their types; True when no external system has to answer first."""
    consumer = request.consumer
    old_email = consumer.email
    # External systems still hold the identifiers the portal had before this correction: look them up by those.
    identity = consumer_identity(consumer)
    points, consumer_fields = [], {}
    # Withheld types (a password, a passport number, an entry photo) carry no value to write: staff
    # handle them outside the records (for a password, a reset link), and the requester is told so.
    items = [i for i in items if not i.value_withheld]
    for item in items:
        value = item.corrected_value
        points.append(PointChange(data_point_id=item.data_point_id, value=value))
        if item.system.code != IDENTITY_SYSTEM:
            continue
        code = item.point_type.code
        try:
            if code in ("email", "phone"):
                consumer_fields[code] = normalised_for_type(code, value)
            elif code == "date_of_birth":
                consumer_fields["date_of_birth"] = normalize_dob(value)
            elif code == "full_name":
                first, _sep, last = value.rpartition(" ")
                consumer_fields.update(
                    first_name=(first or last)[:80],
                    last_name=last[:80] if first else "",
                    name_normalized=normalize_name(value),
                )
        except NormalizationError as exc:
            raise RequestError(exc.message, code="bad_value") from None
    # The corrected points are rows of the portal's own table, the built-in connector's (external
    # systems get their own runs below).
    [builtin] = connectors_for(consumer)
    try:
        result = builtin.correct(
            consumer, CorrectionChanges(points=tuple(points), consumer_fields=consumer_fields)
        )
    except ValueError:
        raise RequestError(
            _("Some of these values are no longer held; they cannot be corrected."), code="gone"
        ) from None
    now = timezone.now()
    case.items.update(applied_at=now)
    systems = System.objects.filter(pk__in={i.system_id for i in items})
    details = {}
    for recipient in recipients_for_systems(systems=systems):
        received = set(recipient.categories.values_list("pk", flat=True))
        changes = [
            {"type": i.point_type.code, "value": i.corrected_value}
            for i in items
            if i.point_type.category_id in received
            and i.system_id in set(recipient.systems.values_list("pk", flat=True))
        ]
        if changes:
            details[recipient.code] = {"changes": changes}
    processor_notices_create(
        request=request,
        recipients=[r for r in recipients_for_systems(systems=systems) if r.code in details],
        action="correct",
        details=details,
    )
    if "email" in result.consumer_fields or "phone" in result.consumer_fields:
        # Tell the old contact point at once, so that a takeover of the account cannot go unnoticed.
        email_send(
            template="correction_contact_changed",
            to=old_email,
            language=request.submission.language,
            context={
                "reference": request.reference,
                "fields": [f for f in result.consumer_fields if f in CONTACT_TYPES],
            },
        )
    event_record(
        request=request,
        name="requests.correction.applied",
        data={"points": result.points_updated, "consumer_fields": list(result.consumer_fields)},
    )
    return system_runs_gather(
        request=request, step=SystemRun.Step.CORRECT, identity=identity, changes=_external_changes(items)
    )


def _external_changes(items: list[CorrectionItem]) -> dict[str, str]:
    """One new value per data-point type for the external systems, normalised as the portal stores it
    (they are matched and written exactly). Where two corrected points of a type disagree, the identity
    system's value wins, else the first system's."""
    changes: dict[str, str] = {}
    ordered = sorted(items, key=lambda i: (i.system.code != IDENTITY_SYSTEM, i.system.position, i.pk or 0))
    for item in ordered:
        if item.value_withheld or item.point_type.code in changes:
            continue
        try:
            changes[item.point_type.code] = normalised_for_type(item.point_type.code, item.corrected_value)
        except NormalizationError:
            changes[item.point_type.code] = item.corrected_value
    return changes


def correction_complete(*, request_id: int) -> bool:
    """The last external system answered (or was skipped): tell the requester and complete. Idempotent."""
    with transaction.atomic():
        case = _case_locked(request_id)
        request = (
            PrivacyRequest.objects.select_for_update(of=("self",))
            .select_related("submission")
            .get(pk=request_id)
        )
        if case.state != C.APPROVED or request.status != Status.FULFILLING:
            return False
        if not system_runs_answered(request_id=request_id, step=SystemRun.Step.CORRECT):
            return False
        _correction_respond(request=request, case=case, actor=None)
    return True


def _correction_respond(*, request: PrivacyRequest, case: CorrectionCase, actor) -> None:
    """The requester's "correction completed" e-mail, with every system corrected, then the request closes."""
    items = list(case.items.select_related("system", "point_type"))
    external = system_runs_corrections(request=request)
    email_send(
        template="correction_completed",
        to=request.submission.email,
        language=request.submission.language,
        context={
            "reference": request.reference,
            "items": [i for i in items if not i.value_withheld],
            "flagged": [i for i in items if i.value_withheld],
            "reset_link_types": RESET_LINK_TYPES,
            "systems_corrected": external["corrected"],
            "systems_skipped": external["skipped"],
        },
    )
    request_transition(
        request=request,
        to=Status.COMPLETED,
        actor=actor,
        outcome="partially" if external["skipped"] else "complied",
        data={
            "items": len(items),
            "systems_corrected": len(external["corrected"]),
            **({"skipped_systems": len(external["skipped"])} if external["skipped"] else {}),
        },
    )


def correction_document_fetch(
    *, request: PrivacyRequest, document_id: int, actor
) -> tuple[CorrectionDocument, bytes] | None:
    """A supporting document's bytes for staff (None when this request has no such document left);
    every download is an audit event."""
    document = CorrectionDocument.objects.filter(
        pk=document_id, case__request=request, deleted_at__isnull=True
    ).first()
    if document is None:
        return None
    content = vault_get(document.storage_name, sha256=document.sha256)
    event_record(
        request=request,
        name="requests.correction.document_viewed",
        actor=actor,
        data={"document": document.pk},
    )
    return document, content


# --- After a denial: the health-information statement ------------------------------------------------


def correction_statement_add(*, request: PrivacyRequest, text: str) -> ConsumerStatement:
    """Regs §7023(f)(3): after a denied correction of health information, the consumer's own statement
    (at most 250 words) becomes part of their record."""
    words = text.split()
    if not words:
        raise RequestError(_("Write your statement."), code="empty")
    if len(words) > MAX_STATEMENT_WORDS:
        raise RequestError(
            _("Your statement has %(n)d words; the limit is %(max)d.")
            % {"n": len(words), "max": MAX_STATEMENT_WORDS},
            code="too_long",
        )
    with transaction.atomic():
        case = _case_locked(request.pk)
        if not case.health_statement_allowed or case.health_statement_added_at or request.consumer_id is None:
            raise RequestError(_("A statement cannot be added to this request."), code="not_allowed")
        item = case.items.filter(point_type__category__code=HEALTH_CATEGORY).select_related("system").first()
        statement = ConsumerStatement.objects.create(
            consumer_id=request.consumer_id,
            system=item.system,
            text=text.strip(),
            request_reference=request.reference,
        )
        case.health_statement_added_at = timezone.now()
        case.save(update_fields=["health_statement_added_at"])
        event_record(request=request, name="requests.correction.statement_added", actor_label="requester")
    return statement
