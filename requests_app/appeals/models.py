"""A denied requester's appeal: submitted from the status page, decided by staff (staff/appeals.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Appeal(models.Model):
    """A denied requester's appeal (Va. Code §59.1-577(C); Colo. §6-1-1306(3); Conn. §42-518(d))."""

    class Decision(models.TextChoices):
        PENDING = "", _("Not decided")
        UPHELD = "upheld", _("Denial upheld")
        REVERSED = "reversed", _("Denial reversed")

    request = models.OneToOneField(
        "requests_app.PrivacyRequest", on_delete=models.PROTECT, related_name="appeal"
    )
    submitted_at = models.DateTimeField()
    due_at = models.DateField()
    statement = models.TextField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True, default="")
    explanation = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reopened_request = models.ForeignKey(
        "requests_app.PrivacyRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    personal_data_purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "staff_appeal"  # the table of the staff app that first held appeals: existing data stays
        indexes = [
            models.Index(fields=["due_at"], name="open_appeals_by_due", condition=Q(decided_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"Appeal of {self.request_id}"

    @property
    def is_open(self) -> bool:
        return self.decided_at is None
