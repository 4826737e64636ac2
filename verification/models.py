from django.db import models
from django.utils.translation import gettext_lazy as _


class OneTimeCode(models.Model):
    """A one-time code bound to one scope (e.g. one request and one purpose), stored only as a hash."""

    scope = models.CharField(max_length=80, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["scope", "-created_at"], name="otp_scope_recent")]
        verbose_name = _("one-time code")

    def __str__(self) -> str:
        return f"Code for {self.scope}"
