"""Fulfilment across the data map's external systems (issue 11): one run per request, system and step,
and the owner task of a manual system."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SystemRun(models.Model):
    """One external system's part of a request: exporting for an access report, erasing for a deletion,
    writing an approved correction.

    Holds counts, states and errors without personal data. Three fields hold personal data, all only
    encrypted (Fernet, FERNET_KEYS) and only as long as needed: `identity_sealed`, the matched consumer's
    normalised identifiers taken when the run was created (a deletion erases the portal's copy before the
    external systems answer, a correction may change it), and `changes_sealed`, a correction's new values
    by data-point type, both blanked when the run ends; and `points_name`, the vault file of the exported
    points, deleted once the report is rendered.
    """

    class Step(models.TextChoices):
        EXPORT = "export", _("Export")
        ERASE = "erase", _("Erase")
        CORRECT = "correct", _("Correct")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        WAITING_OWNER = "waiting_owner", _("Waiting for the system's owner")
        FAILING = "failing", _("Failing")
        SKIPPED = "skipped", _("Skipped by staff")

    request = models.ForeignKey(
        "requests_app.PrivacyRequest", on_delete=models.PROTECT, related_name="system_runs"
    )
    system = models.ForeignKey("records.System", on_delete=models.PROTECT, related_name="+")
    step = models.CharField(max_length=8, choices=Step.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    configuration_error = models.BooleanField(default=False)  # a DatasetError: retrying cannot help
    failing_since = models.DateTimeField(null=True, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)
    found = models.PositiveIntegerField(default=0)  # records located
    exported = models.PositiveIntegerField(default=0)
    erased = models.PositiveIntegerField(default=0)  # deleted or de-identified
    kept = models.PositiveIntegerField(default=0)  # retained, with the outcome's reason
    corrected = models.PositiveIntegerField(default=0)  # records a correction was written to
    outcome = models.JSONField(default=dict, blank=True)  # erase: the SystemOutcome (names, reason, counts)
    identity_sealed = models.TextField(blank=True)
    changes_sealed = models.TextField(blank=True)
    points_name = models.CharField(max_length=200, blank=True)
    points_sha256 = models.CharField(max_length=64, blank=True)
    skipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    skip_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "system", "step"], name="one_system_run_per_step")
        ]
        indexes = [
            # The sweeper's work list: runs not yet answered.
            models.Index(
                fields=["state", "updated_at"],
                name="system_runs_open",
                condition=Q(state__in=["pending", "running", "failing", "waiting_owner"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} of {self.system_id} for {self.request_id} ({self.state})"

    @property
    def max_attempts(self) -> int:
        return settings.SYSTEM_RUN_MAX_RETRIES + 1

    @property
    def answered(self) -> bool:
        return self.state in (self.State.DONE, self.State.SKIPPED)


class OwnerTask(models.Model):
    """What a manual system's owner is asked to do, behind a single-purpose expiring link.

    Only the SHA-256 of the link's random token is stored; a reminder sends a new link (and the old one
    stops working). The e-mail carries no personal data: the owner reads the identifiers on the page.
    """

    class Answer(models.TextChoices):
        NONE = "", _("Not answered")
        UPLOADED = "uploaded", _("Uploaded what the system holds")
        NOTHING_HELD = "nothing_held", _("Holds nothing for this person")
        ERASED = "erased", _("Erased")
        KEPT = "kept", _("Kept, with a reason")
        CORRECTED = "corrected", _("Corrected")

    run = models.OneToOneField(SystemRun, on_delete=models.CASCADE, related_name="owner_task")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField()
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    next_reminder_at = models.DateTimeField(null=True, blank=True, db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=12, choices=Answer.choices, blank=True, default="")
    kept_reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Owner task of run {self.run_id}"
