import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Unambiguous characters for references people read aloud or type (no 0/O, 1/I/L).
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference() -> str:
    """A random, unguessable request reference (~59 bits), e.g. RN-7KQ2-M9XH-4TPD."""
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(12))
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


ACCESS_KINDS = frozenset({Kind.KNOW_CATEGORIES, Kind.ACCESS_SPECIFIC})


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


CLOSED_STATUSES = frozenset({Status.COMPLETED, Status.DENIED, Status.WITHDRAWN, Status.UNVERIFIABLE})


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Telephone")
    GPC = "gpc", _("Global Privacy Control signal")


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

    def __str__(self) -> str:
        return f"Submission #{self.pk}"


class PrivacyRequest(models.Model):
    reference = models.CharField(max_length=20, unique=True, default=new_reference, editable=False)
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.RECEIVED, db_index=True)
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
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def effective_due(self):
        return self.extended_due_at or self.due_at

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


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
