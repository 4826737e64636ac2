"""API tokens (hashed at rest), their audited uses, and outgoing webhook endpoints with their deliveries."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A per-user bearer token. The secret is shown once when created; only its SHA-256 is kept.

    A service account is an ordinary user in a staff role group holding a token: the token carries no
    permissions of its own, the user's role decides (staff/permissions.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text=_("What the token is for, e.g. “ticketing sync”."))
    prefix = models.CharField(max_length=16, unique=True, help_text=_("Shown to tell tokens apart."))
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class ApiTokenUse(models.Model):
    """One row per authenticated API request: which token, method and path (never the query string or
    the body, which may hold personal data)."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="uses")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=200)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


class WebhookEvent(models.TextChoices):
    RECEIVED = "request.received", _("Request received")
    VERIFIED = "request.verified", _("Requester verified")
    DUE_SOON = "request.due_soon", _("Due within 7 days")
    COMPLETED = "request.completed", _("Request completed")
    DENIED = "request.denied", _("Request denied")


class WebhookEndpoint(models.Model):
    """A ticketing tool (or similar) following requests. Payloads carry no personal data and are signed
    like the processor notices (`RakuNest-Signature: t=…,v1=…`, HMAC-SHA256 with this secret)."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128, help_text=_("Shared with the receiver to verify signatures."))
    events = models.JSONField(default=list, help_text=_("Event names this endpoint receives."))
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event for one endpoint; sent by a task enqueued through the outbox in the event's transaction.
    `key` makes each (endpoint, request, event) delivery unique where an event happens once (due soon)."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    request = models.ForeignKey(
        "requests_app.PrivacyRequest", on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    event = models.CharField(max_length=32, choices=WebhookEvent.choices)
    key = models.CharField(max_length=200, unique=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id}"
