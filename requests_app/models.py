import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from requests_app.regimes import Regime

# Unambiguous characters for references people read aloud or type (no 0/O, 1/I/L).
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference() -> str:
    """A random, unguessable request reference (~59 bits), e.g. RN-7KQ2-M9XH-4TPD.

    One uniform draw below 31**12 written in the alphabet's 12 digits: the same distribution as 12 separate
    `secrets.choice` calls, with one read of the system's random source instead of 12 (intake hot path)."""
    number, digits = secrets.randbelow(len(REFERENCE_ALPHABET) ** 12), []
    for _position in range(12):
        number, digit = divmod(number, len(REFERENCE_ALPHABET))
        digits.append(REFERENCE_ALPHABET[digit])
    body = "".join(digits)
    return f"RN-{body[:4]}-{body[4:8]}-{body[8:]}"


class Kind(models.TextChoices):
    KNOW_CATEGORIES = "know_categories", _("Know what categories of information we hold")
    ACCESS_SPECIFIC = "access_specific", _("Get a copy of the specific pieces of information (portable)")
    DELETE = "delete", _("Delete my information")
    CORRECT = "correct", _("Correct inaccurate information")
    OPT_OUT = "opt_out", _("Do not sell or share my information")
    SHINE_THE_LIGHT = "shine_the_light", _("Shine the Light: disclosures for direct marketing")
    UNSUBSCRIBE = "unsubscribe", _("Stop marketing e-mails")
    CLOSE_ACCOUNT = "close_account", _("Close or deactivate my account")
    # Automated decision-making technology (Cal. Code Regs. tit. 11 §§7220–7222, in force 2027-01-01):
    # offered only while settings.ADMT_REQUESTS_ENABLED is on, fulfilled by staff by hand.
    ADMT_ACCESS = (
        "admt_access",
        _("Access information about our use of automated decision-making technology (ADMT)"),
    )
    ADMT_OPT_OUT = "admt_opt_out", _("Opt out of our use of automated decision-making technology (ADMT)")
    # An authorized agent's request to opt the consumer back in (DRP `sale:opt-in`). It is the first step
    # of Regs §7028(a) at most: the consumer confirms it themselves on our site (requests_app.agents).
    SALE_OPT_IN = "sale_opt_in", _("Opt back in to sale or sharing")


ACCESS_KINDS = frozenset({Kind.KNOW_CATEGORIES, Kind.ACCESS_SPECIFIC})
ADMT_KINDS = frozenset({Kind.ADMT_ACCESS, Kind.ADMT_OPT_OUT})
# Kinds carried out by staff by hand: their fulfilment task only puts them to staff (requests_app.manual).
MANUAL_KINDS = ADMT_KINDS
# Opt-outs need no verifiable consumer request (Regs §7026(d) for sale/sharing; §7221 for ADMT).
NO_VERIFICATION_KINDS = frozenset({Kind.OPT_OUT, Kind.ADMT_OPT_OUT})


# Kinds only an agent's software asks for: a consumer opts back in on the opt-in page itself.
AGENT_ONLY_KINDS = frozenset({Kind.SALE_OPT_IN})


def kinds_offered() -> list[tuple[str, str]]:
    """The kinds the forms offer: every kind but the agent-only ones, less the ADMT kinds while
    ADMT_REQUESTS_ENABLED is off."""
    hidden = AGENT_ONLY_KINDS if settings.ADMT_REQUESTS_ENABLED else AGENT_ONLY_KINDS | ADMT_KINDS
    return [(value, label) for value, label in Kind.choices if value not in hidden]


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    AWAITING_VERIFICATION = "awaiting_verification", _("Waiting for identity verification")
    AWAITING_CONSUMER_CONFIRMATION = (
        "awaiting_consumer_confirmation",
        _("Waiting for the consumer to confirm"),
    )
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    FULFILLING = "fulfilling", _("Being carried out")
    COMPLETED = "completed", _("Completed")
    DENIED = "denied", _("Denied")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    UNVERIFIABLE = "unverifiable", _("Closed: identity could not be verified")


# The reason code of a request closed because no record matched what the requester gave.
NO_MATCHING_RECORDS = "no_matching_records"

CLOSED_STATUSES = frozenset({Status.COMPLETED, Status.DENIED, Status.WITHDRAWN, Status.UNVERIFIABLE})


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Telephone")
    MAIL = "mail", _("Postal mail")  # entered by staff through the API (api/), like phone and e-mail
    GPC = "gpc", _("Global Privacy Control signal")
    DRP = "drp", _("Data Rights Protocol (an authorized agent's software)")


class Submission(models.Model):
    """One form submission: who asked, as they typed it. Deleted down to nothing when its requests close."""

    created_at = models.DateTimeField(auto_now_add=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.WEB)
    language = models.CharField(max_length=8, default="en")
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    street = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=80, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip5 = models.CharField(max_length=5, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    member_number = models.CharField(max_length=16, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    personal_data_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["email"], name="staff_submission_email")]  # staff search by e-mail

    def __str__(self) -> str:
        return f"Submission #{self.pk}"


# What a requester typed on a submission: blanked once it is no longer needed (DESIGN §5, Regs §7101).
SUBMISSION_PERSONAL_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "street",
    "city",
    "state",
    "zip5",
    "date_of_birth",
    "member_number",
    "ip_hash",
    "user_agent",
)


def submission_blanks(*, keep: tuple[str, ...] = ()) -> dict[str, str | None]:
    """Field → blank value for the submission's personal fields, except those kept."""
    return {f: None if f == "date_of_birth" else "" for f in SUBMISSION_PERSONAL_FIELDS if f not in keep}


class PrivacyRequest(models.Model):
    reference = models.CharField(max_length=20, unique=True, default=new_reference, editable=False)
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    # The law the request is handled under (requests_app.regimes); California unless the requester said otherwise.
    regime = models.CharField(max_length=8, choices=Regime.choices, default=Regime.CALIFORNIA, db_index=True)
    # Requests to know (Regs §7024 as amended for 2026): the range asked for; empty = everything we
    # hold since January 1, 2022 up to the day the report is compiled.
    data_from = models.DateField(null=True, blank=True)
    data_to = models.DateField(null=True, blank=True)
    received_at = models.DateTimeField()
    status_changed_at = models.DateTimeField()
    ack_due = models.DateField()
    due_at = models.DateField()
    extended_due_at = models.DateField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    verification_level = models.CharField(max_length=16, blank=True)
    matched_fields = models.JSONField(default=list, blank=True)
    consumer = models.ForeignKey(
        "records.Consumer", on_delete=models.SET_NULL, null=True, blank=True, related_name="privacy_requests"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=16, blank=True)
    denial_reason = models.CharField(max_length=40, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The staff work list: open requests by due date.
            models.Index(
                fields=["due_at"],
                name="open_requests_by_due",
                condition=~Q(status__in=["completed", "denied", "withdrawn", "unverifiable"]),
            ),
            models.Index(fields=["consumer", "kind", "received_at"], name="request_consumer_kind"),
            # The staff queue's order (effective due date, then id, for keyset pagination) and its
            # counts per status, over open requests only.
            models.Index(
                Coalesce("extended_due_at", "due_at"),
                F("id"),
                name="staff_open_by_effective_due",
                condition=~Q(status__in=["completed", "denied", "withdrawn", "unverifiable"]),
            ),
            models.Index(
                fields=["status"],
                name="staff_open_status",
                condition=~Q(status__in=["completed", "denied", "withdrawn", "unverifiable"]),
            ),
            # The queue's agent-submitted filter: which open requests an agent submitted, found with the
            # agents' table from this index alone (index-only), so that only those rows are read.
            models.Index(
                fields=["submission", "id"],
                name="staff_open_by_submission",
                condition=~Q(status__in=["completed", "denied", "withdrawn", "unverifiable"]),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def regime_rules(self):
        from requests_app.regimes import regime_rules

        return regime_rules(self.regime)

    @property
    def effective_due(self):
        return self.extended_due_at or self.due_at

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES

    @property
    def requester_status(self) -> str:
        """The status as the requester reads it: a closure because no record matched is not a failed
        identity check (the requester proved their e-mail address)."""
        if self.status == Status.UNVERIFIABLE and self.denial_reason == NO_MATCHING_RECORDS:
            return _("Closed: no records match the details given")
        return self.get_status_display()


class RequestEvent(models.Model):
    """Append-only audit trail. Holds names of fields and reason codes, never personal data values."""

    request = models.ForeignKey(PrivacyRequest, on_delete=models.PROTECT, related_name="events")
    name = models.CharField(max_length=80)
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=40, default="system")
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name} on {self.request_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Request events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Request events are append-only.")


class VerificationState(models.Model):
    """Where a submission's identity verification stands (DESIGN §5). Holds outcomes, never typed values."""

    class Step(models.TextChoices):
        TYPED_CODE = "typed_code", _("Prove the typed e-mail address")
        DECLARATION = "declaration", _("Sign the declaration")
        CONTACT_CODE = "contact_code", _("Prove a contact point on record")
        DONE = "done", _("Done")

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="verification")
    step = models.CharField(max_length=16, choices=Step.choices, default=Step.TYPED_CODE)
    typed_code_sent_at = models.DateTimeField(null=True, blank=True)
    typed_proven_at = models.DateTimeField(null=True, blank=True)
    match_outcome = models.CharField(max_length=12, blank=True)
    candidate_count = models.PositiveSmallIntegerField(default=0)
    consumer = models.ForeignKey(
        "records.Consumer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    matched_fields = models.JSONField(default=list, blank=True)
    contact_channel = models.CharField(max_length=8, blank=True)
    contact_proven_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Verification of submission #{self.submission_id}"


class Declaration(models.Model):
    """A declaration signed under penalty of perjury for a specific-pieces request (Regs §7062(c))."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="declarations")
    statement_version = models.CharField(max_length=20)
    signed_name = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField()
    ip_hash = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Declaration for submission #{self.submission_id}"


class ProcessorNotice(models.Model):
    """An instruction to one recipient about one request: delete, correct or stop selling (CCPA §1798.105(c)).

    Holds a keyed hash of the consumer's identifiers (`subject`) and, for corrections only, the corrected
    values the recipient needs (`details`, blanked once the recipient confirms). Never anything else.
    """

    class Action(models.TextChoices):
        DELETE = "delete", _("Delete")
        CORRECT = "correct", _("Correct")
        OPT_OUT = "opt_out", _("Stop selling or sharing")

    class Method(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Signed webhook")

    class State(models.TextChoices):
        PENDING = "pending", _("Not sent yet")
        SENT = "sent", _("Sent, waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed by the recipient")
        FAILED = "failed", _("Could not be delivered")

    public_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(PrivacyRequest, on_delete=models.PROTECT, related_name="processor_notices")
    recipient = models.ForeignKey("records.Recipient", on_delete=models.PROTECT, related_name="notices")
    action = models.CharField(max_length=8, choices=Action.choices)
    method = models.CharField(max_length=8, choices=Method.choices)
    status = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    subject = models.JSONField(default=dict, blank=True)
    details = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_via = models.CharField(max_length=16, blank=True)
    next_reminder_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "recipient", "action"], name="one_notice_per_request_recipient_action"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_reminder_at"], name="notice_reminders_due", condition=Q(status="sent")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} notice to {self.recipient_id} for {self.request_id}"


class AgentAuthorization(models.Model):
    """An authorized agent's submission for a consumer (Regs §7063): who the agent is, the written
    permission or power of attorney they uploaded (sanitised, encrypted in records.vault), and what the
    consumer answered when we asked them directly. The consumer's claimed identity is the Submission."""

    class DocumentType(models.TextChoices):
        PERMISSION = "permission", _("Signed permission from the consumer")
        POWER_OF_ATTORNEY = "power_of_attorney", _("Power of attorney (Probate Code §§4121–4130)")
        # No document: the agent is a member of the Data Rights Protocol directory, whose signed message
        # attests its authority; the consumer still confirms directly, as for a signed permission.
        DRP_DIRECTORY = "drp_directory", _("Data Rights Protocol agent in our directory")

    class Review(models.TextChoices):
        PENDING = "pending", _("Not reviewed yet")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    submission = models.OneToOneField(
        Submission, on_delete=models.PROTECT, related_name="agent_authorization"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    agent_name = models.CharField(max_length=160)
    agent_email = models.CharField(max_length=254, db_index=True, help_text=_("Normalised."))
    agent_organisation = models.CharField(max_length=160, blank=True)
    agent_is_entity = models.BooleanField(default=False)
    agent_sos_number = models.CharField(
        max_length=20, blank=True, help_text=_("California Secretary of State registration number.")
    )
    document_type = models.CharField(max_length=20, choices=DocumentType.choices)
    document_storage_name = models.CharField(max_length=200, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    document_content_type = models.CharField(max_length=40, blank=True)
    document_display_name = models.CharField(max_length=100, blank=True)
    document_size = models.PositiveIntegerField(default=0)
    document_pages = models.PositiveSmallIntegerField(null=True, blank=True)
    document_removed = models.JSONField(default=list, blank=True)
    volume_flagged = models.BooleanField(
        default=False, help_text=_("The agent filed more requests in a day than the warning threshold.")
    )
    matched_at = models.DateTimeField(null=True, blank=True)
    match_outcome = models.CharField(max_length=12, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmation_failures = models.PositiveSmallIntegerField(default=0)
    consumer_answered_at = models.DateTimeField(null=True, blank=True)
    consumer_confirmed = models.BooleanField(null=True, blank=True)
    agent_may_receive = models.BooleanField(
        null=True, blank=True, help_text=_("The consumer allowed the agent to receive the results.")
    )
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.PENDING)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Agent authorization #{self.pk}"


class DeletionCase(models.Model):
    """The two-step deletion of one request (Regs §7022(d)): confirmation, cancel window, erasure, response.

    `plan` and `outcome` hold system names, actions, reasons and counts, never values.
    """

    class State(models.TextChoices):
        AWAITING_CONFIRMATION = "awaiting_confirmation", _("Waiting for the requester to confirm")
        SCHEDULED = "scheduled", _("Confirmed; can be cancelled until it runs")
        ERASED = "erased", _("Erased")
        CANCELLED = "cancelled", _("Cancelled by the requester")
        EXPIRED = "expired", _("Not confirmed in time")

    request = models.OneToOneField(PrivacyRequest, on_delete=models.PROTECT, related_name="deletion_case")
    state = models.CharField(
        max_length=24, choices=State.choices, default=State.AWAITING_CONFIRMATION, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    erase_after = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    response_sent_at = models.DateTimeField(null=True, blank=True)
    plan = models.JSONField(default=list, blank=True)
    outcome = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"Deletion for {self.request_id} ({self.state})"


class CorrectionCase(models.Model):
    """What a requester asked us to correct (Regs §7023), and the staff decision on it."""

    class State(models.TextChoices):
        AWAITING_DETAILS = "awaiting_details", _("Waiting for the requester to say what is wrong")
        SUBMITTED = "submitted", _("Waiting for our decision")
        APPROVED = "approved", _("Corrected")
        DENIED = "denied", _("Denied")

    request = models.OneToOneField(PrivacyRequest, on_delete=models.PROTECT, related_name="correction_case")
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.AWAITING_DETAILS, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    explanation = models.TextField(blank=True)
    # Correcting a contact point that verification relies on needs confirmation at the old one.
    contact_change = models.BooleanField(default=False)
    contact_confirmed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True)
    basis = models.TextField(blank=True)
    health_statement_allowed = models.BooleanField(default=False)
    health_statement_added_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Correction for {self.request_id} ({self.state})"


# Image values (an entry photo) are not typed back either: like never-disclose values, the requester can
# only say they are wrong, and staff handle them.
IMAGE_POINT_TYPES = frozenset({"entry_image"})


def point_value_withheld(point_type) -> bool:
    """Never-disclose and image values are neither shown on the correction pages nor typed back."""
    return point_type.never_disclose or point_type.code in IMAGE_POINT_TYPES


class CorrectionItem(models.Model):
    """One value the requester says is wrong, with the value they say is right.

    `corrected_value` is blanked once the decision is carried out (the records then hold it, or it was
    refused); the audit keeps the system and type names only. For a withheld type (never-disclose or
    image) it is always empty: the item says only that the value we hold is wrong.
    """

    case = models.ForeignKey(CorrectionCase, on_delete=models.CASCADE, related_name="items")
    # DO_NOTHING without a constraint: erasure deletes data points in bulk and must stay a fast delete.
    data_point = models.ForeignKey(
        "records.DataPoint", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    system = models.ForeignKey("records.System", on_delete=models.PROTECT, related_name="+")
    point_type = models.ForeignKey("records.DataPointType", on_delete=models.PROTECT, related_name="+")
    corrected_value = models.TextField(blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.point_type_id} in {self.system_id}"

    @property
    def value_withheld(self) -> bool:
        """The requester said only "this is wrong" (a withheld type): there is no corrected value."""
        return point_value_withheld(self.point_type)


class CorrectionDocument(models.Model):
    """A document the requester sent in support of a correction: sanitised, encrypted in the vault, and
    deleted once the decision is made (Regs §7023(d)(2): used only for the correction)."""

    case = models.ForeignKey(CorrectionCase, on_delete=models.CASCADE, related_name="documents")
    storage_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=40)
    display_name = models.CharField(max_length=120)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.display_name


class ReportStep(models.TextChoices):
    """Where an access report is (shown on the status page, DESIGN §6)."""

    QUEUED = "queued", _("Queued")
    COMPILING = "compiling", _("Compiling your information")
    RENDERING = "rendering", _("Preparing the report")
    READY = "ready", _("Ready to download")
    EXPIRED = "expired", _("Expired and deleted")


class AccessReport(models.Model):
    """The disclosure report of an access request: encrypted files in the vault, never a URL of its own."""

    request = models.ForeignKey(PrivacyRequest, on_delete=models.PROTECT, related_name="access_reports")
    step = models.CharField(max_length=12, choices=ReportStep.choices, default=ReportStep.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    data_points = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    pdf_name = models.CharField(max_length=200, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    pdf_size = models.PositiveIntegerField(default=0)
    zip_name = models.CharField(max_length=200, blank=True)
    zip_sha256 = models.CharField(max_length=64, blank=True)
    zip_size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request"], name="one_access_report_per_request")]

    def __str__(self) -> str:
        return f"Access report for {self.request_id}"


class FulfilmentStepDone(models.Model):
    """A side effect of fulfilment that happened once (report stored, e-mail sent): the row is the guard."""

    request = models.ForeignKey(PrivacyRequest, on_delete=models.PROTECT, related_name="steps_done")
    step = models.CharField(max_length=40)
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "step"], name="fulfilment_step_once")]

    def __str__(self) -> str:
        return f"{self.step} for {self.request_id}"


from requests_app.appeals.models import Appeal  # noqa: E402, F401  (a model of this app, in its package)
from requests_app.outbox.models import OutboxKind, OutboxMessage  # noqa: E402, F401  (in its package)
from requests_app.systems.models import OwnerTask, SystemRun  # noqa: E402, F401  (in their package)
