from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from requests_app.models import ACCESS_KINDS, NO_VERIFICATION_KINDS, Kind


class DenialReason(models.TextChoices):
    """The reason codes a request may be denied with (stored in PrivacyRequest.denial_reason)."""

    UNVERIFIABLE = "unverifiable", _("Identity could not be verified")
    TOO_MANY_REQUESTS = "too_many_requests", _("Too many requests")
    EXCEPTION = "exception", _("A legal exception applies")
    NOT_CALIFORNIA_CONSUMER = "not_california_consumer", _("Not a California consumer")
    FRAUD = "fraud", _("Fraudulent request")


# The kinds of request each reason can answer. The exceptions are those of the right to delete
# (§1798.105(d), §1798.145(a)(1): reasons to keep information), never a basis to refuse access; the
# twice-a-year limit is the know/access one (§1798.100(d), §1798.130(b)); verification is refused only
# for kinds that need it (an opt-out needs none, Regs §7026(d), §7221).
REASON_KINDS: dict[str, frozenset[str]] = {
    DenialReason.UNVERIFIABLE: frozenset(Kind) - NO_VERIFICATION_KINDS,
    DenialReason.TOO_MANY_REQUESTS: ACCESS_KINDS,
    DenialReason.EXCEPTION: frozenset({Kind.DELETE}),
    DenialReason.NOT_CALIFORNIA_CONSUMER: frozenset(Kind),
    DenialReason.FRAUD: frozenset(Kind),
}


class DenialReasonTemplate(models.Model):
    """The wording of one denial basis; exceptions carry the statute they rest on.

    A request denied with a template stores `reason` (or `exception:<code>` for exceptions) in
    PrivacyRequest.denial_reason, which is the denial basis kept for the record (Regs §7101).
    """

    code = models.SlugField(max_length=28, unique=True)
    reason = models.CharField(max_length=24, choices=DenialReason.choices)
    title = models.CharField(max_length=160)
    statute = models.TextField(blank=True, help_text=_("The statute or regulation, quoted or cited."))
    explanation = models.TextField(help_text=_("What the requester reads in the denial e-mail."))
    offer_opt_out = models.BooleanField(
        default=False, help_text=_("Offer the opt-out of sale/sharing in the e-mail (Regs §7022(f)(3))")
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["reason", "code"]

    def __str__(self) -> str:
        return self.title

    def fits(self, kind: str) -> bool:
        """Whether this reason can answer a request of `kind` (REASON_KINDS)."""
        return kind in REASON_KINDS.get(self.reason, frozenset())

    @property
    def denial_code(self) -> str:
        return f"exception:{self.code}" if self.reason == DenialReason.EXCEPTION else self.reason


class VerificationLowering(models.Model):
    """Four-eyes: one approver proposes accepting a lower verification level, another confirms it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for a second approver")
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    request = models.ForeignKey(
        "requests_app.PrivacyRequest", on_delete=models.PROTECT, related_name="verification_lowerings"
    )
    level = models.CharField(max_length=16)
    reason = models.TextField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request"], condition=Q(state="pending"), name="one_pending_lowering_per_request"
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("proposed_by")),
                name="lowering_needs_a_second_person",
            ),
        ]

    def __str__(self) -> str:
        return f"Lower verification of {self.request_id} to {self.level}"


class ReminderSent(models.Model):
    """One deadline digest per person per day, so a beat that runs twice does not e-mail twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    request_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_reminder_per_user_per_day")]

    def __str__(self) -> str:
        return f"Reminder to {self.user_id} on {self.day}"


class StaffEvent(models.Model):
    """Append-only audit of staff security events that belong to no request (MFA enrolment, sign-in
    codes, recovery codes), in RequestEvent's style: a dotted name, the actor, and outcome data that
    never holds a secret, a code or a key."""

    name = models.CharField(max_length=80)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name} by {self.actor_label}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Staff events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Staff events are append-only.")
