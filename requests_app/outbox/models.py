"""The transactional outbox: every message that leaves the database (an e-mail, a text message, a task
enqueue) is first a row written in the same transaction as the state change that causes it."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxKind(models.TextChoices):
    EMAIL = "email", "e-mail"
    SMS = "sms", "text message"
    TASK = "task", "task enqueue"


class OutboxMessage(models.Model):
    """One outgoing message. `key` is its idempotency key: a message is written once and sent once."""

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=10, choices=OutboxKind.choices)
    # e-mail: to, subject, text, html (blanked to {"template": …} once sent); sms: to, body; task: task, args
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=100, blank=True)  # the error's kind only, never its text
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "requests_app_outboxmessage"
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(sent_at__isnull=True), name="outbox_pending")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
