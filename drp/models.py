"""The Data Rights Protocol's own records: the agents of the directory, their requests, the messages seen."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from requests_app.models import PrivacyRequest


class DrpAgent(models.Model):
    """An authorized agent of the DRP service directory (its `agents.json` entry), and its bearer token.

    The verify key is the root of trust: a message counts only when its signature checks against it. The
    token (POST /v1/agent/{id}) only says which key to check; it is stored as a SHA-256 hash.
    """

    agent_id = models.CharField(max_length=80, unique=True, help_text=_("The directory's id, [A-Z_]+."))
    name = models.CharField(max_length=160)
    verify_key = models.CharField(max_length=64, help_text=_("Base64 Ed25519 verify key."))
    web_url = models.URLField(blank=True)
    identity_assurance_url = models.URLField(blank=True)
    technical_contact = models.CharField(max_length=254, blank=True)
    business_contact = models.CharField(max_length=254, blank=True)
    enabled = models.BooleanField(
        default=True, help_text=_("A disabled agent's messages and token are refused.")
    )
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    token_issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("DRP agent")

    def __str__(self) -> str:
        return self.agent_id


class DrpRequest(models.Model):
    """One exercise from an agent: the one privacy request it opened, and where to call back."""

    request_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    agent = models.ForeignKey(DrpAgent, on_delete=models.PROTECT, related_name="requests")
    privacy_request = models.OneToOneField(PrivacyRequest, on_delete=models.PROTECT, related_name="drp")
    agent_request_id = models.CharField(max_length=200, blank=True)
    exercise = models.CharField(max_length=40)
    drp_version = models.CharField(max_length=10)
    status_callback = models.URLField(max_length=500, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    revoke_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("DRP request")

    def __str__(self) -> str:
        return str(self.request_id)


class DrpSeenMessage(models.Model):
    """A signed message already accepted (its signature's hash), kept until it expires: no replays."""

    digest = models.CharField(max_length=64, unique=True)
    agent = models.ForeignKey(DrpAgent, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.digest[:12]
