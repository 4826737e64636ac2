"""The API's shapes. Every response is a serializer here, so that the OpenAPI schema is exact."""

import re
from datetime import date

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from requests_app.intake.forms import PERIOD_ALL, PERIOD_RANGE, RequestForm
from requests_app.models import Channel, Kind, Status
from requests_app.regimes import Regime
from staff.models import DenialReasonTemplate
from staff.selectors import ALL, OPEN, staff_assignees

CURSOR_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(\d{1,18})$")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(child=serializers.JSONField(), required=False)


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    actions = serializers.ListField(child=serializers.CharField())
    token_prefix = serializers.CharField()
    token_expires_at = serializers.DateTimeField()


# --- Requests ---------------------------------------------------------------------------------------
class RequestFiltersSerializer(serializers.Serializer):
    """Query parameters of the list: the staff queue's filters (staff.selectors.QueueFilters)."""

    status = serializers.ChoiceField(choices=[OPEN, ALL, *Status.values], required=False, default=OPEN)
    kind = serializers.ChoiceField(choices=Kind.values, required=False)
    regime = serializers.ChoiceField(choices=Regime.values, required=False)
    due_before = serializers.DateField(required=False, help_text=_("Effective due date on or before."))
    due_after = serializers.DateField(required=False, help_text=_("Effective due date on or after."))
    assignee = serializers.RegexField(
        r"^(me|none|[0-9]{1,18})$", required=False, help_text=_("me, none, or a user id.")
    )
    descending = serializers.BooleanField(required=False, default=False)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=25)
    cursor = serializers.CharField(
        required=False, max_length=40, help_text=_("`next_cursor` of the last page.")
    )

    def validate_cursor(self, value: str) -> tuple[date, int]:
        match = CURSOR_RE.match(value)
        try:
            if match:
                return date.fromisoformat(match.group(1)), int(match.group(2))
        except ValueError:
            pass
        raise serializers.ValidationError(_("Pass the next_cursor of the previous page unchanged."))


class RequestSummarySerializer(serializers.Serializer):
    reference = serializers.CharField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    regime = serializers.ChoiceField(choices=Regime.choices)
    received_at = serializers.DateTimeField()
    due_at = serializers.DateField()
    extended_due_at = serializers.DateField(allow_null=True)
    effective_due_at = serializers.SerializerMethodField()
    channel = serializers.CharField(source="submission.channel")
    assignee = serializers.SerializerMethodField()

    def get_effective_due_at(self, obj) -> date:
        return obj.extended_due_at or obj.due_at

    def get_assignee(self, obj) -> str | None:
        return obj.assignee.get_username() if obj.assignee_id else None


class RequestPageSerializer(serializers.Serializer):
    results = RequestSummarySerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class RequesterSerializer(serializers.Serializer):
    """The requester's details as typed: only for roles with view_personal_data (as in the staff UI)."""

    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    street = serializers.CharField()
    city = serializers.CharField()
    state = serializers.CharField()
    zip5 = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    member_number = serializers.CharField()


class EventSerializer(serializers.Serializer):
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor_label")
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reason = serializers.CharField()
    repeated = serializers.IntegerField(source="folded", help_text=_("Further identical views folded in."))


class RequestDetailSerializer(RequestSummarySerializer):
    ack_due = serializers.DateField()
    extension_reason = serializers.CharField()
    verification_level = serializers.CharField()
    matched_fields = serializers.ListField(child=serializers.CharField())
    outcome = serializers.CharField()
    denial_reason = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)
    requester = serializers.SerializerMethodField()
    timeline = EventSerializer(many=True, source="api_timeline")

    @extend_schema_field(RequesterSerializer(allow_null=True))
    def get_requester(self, obj):
        if not self.context.get("personal_data"):
            return None
        return RequesterSerializer(obj.submission).data


# --- Metrics ----------------------------------------------------------------------------------------
class MetricsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2020, max_value=2100)


class MetricsRowSerializer(serializers.Serializer):
    code = serializers.CharField(source="kind", help_text=_("The kind (by_kind) or the regime (by_regime)."))
    label = serializers.CharField()
    received = serializers.IntegerField()
    complied = serializers.IntegerField()
    denied = serializers.IntegerField()
    denied_by_reason = serializers.DictField(child=serializers.IntegerField())
    median_days = serializers.FloatField(allow_null=True)
    mean_days = serializers.FloatField(allow_null=True)


class MetricsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    by_kind = MetricsRowSerializer(many=True)
    by_regime = MetricsRowSerializer(many=True)
    total = MetricsRowSerializer()


# --- Actions (the staff forms' fields, staff/forms.py) -------------------------------------------------
class ApproveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)


class DenySerializer(serializers.Serializer):
    """As the staff deny form: only an active reason that fits the request's kind (a deletion exception
    is never a basis to refuse access)."""

    reason = serializers.SlugField(max_length=28, help_text=_("A denial reason template's code."))
    text = serializers.CharField(max_length=4000, required=False, default="", allow_blank=True)

    def validate_reason(self, value: str):
        privacy_request = self.context["privacy_request"]
        template = DenialReasonTemplate.objects.filter(code=value, active=True).first()
        if template is None or not template.fits(privacy_request.kind):
            raise serializers.ValidationError(_("That reason does not apply to this kind of request."))
        return template


class ExtendSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=_("The requester reads it."))


class AssignSerializer(serializers.Serializer):
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=staff_assignees(),
        allow_null=True,
        help_text=_("A username of an analyst or above; null to unassign."),
    )


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


# --- Intake from other channels ---------------------------------------------------------------------
API_CHANNELS = [Channel.PHONE, Channel.MAIL, Channel.EMAIL]


class SubmissionSerializer(serializers.Serializer):
    """The web request form's fields (requests_app/intake/forms.py RequestForm), plus the channel the
    request came by. Validation is the form's own: the data is bound to RequestForm."""

    channel = serializers.ChoiceField(choices=[(c.value, c.label) for c in API_CHANNELS])
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=Kind.choices), min_length=1)
    first_name = serializers.CharField(max_length=80)
    last_name = serializers.CharField(max_length=80)
    email = serializers.CharField(max_length=254, help_text=_("The requester's; codes and replies go there."))
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    street = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=80, required=False, allow_blank=True)
    state = serializers.CharField(max_length=2, required=False, allow_blank=True)
    zip_code = serializers.CharField(max_length=12, required=False, allow_blank=True)
    residency = serializers.ChoiceField(choices=Regime.choices, required=False, allow_blank=True)
    date_of_birth = serializers.CharField(max_length=20, required=False, allow_blank=True)
    member_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    period = serializers.ChoiceField(choices=[PERIOD_ALL, PERIOD_RANGE], required=False, allow_blank=True)
    period_from = serializers.CharField(max_length=10, required=False, allow_blank=True)
    period_to = serializers.CharField(max_length=10, required=False, allow_blank=True)

    def validate(self, attrs):
        form = RequestForm(data={k: v for k, v in attrs.items() if k != "channel"})
        if not form.is_valid():
            raise serializers.ValidationError(
                {name: [str(e) for e in errs] for name, errs in form.errors.items()}
            )
        attrs["form"] = form
        return attrs


class SubmittedSerializer(serializers.Serializer):
    channel = serializers.CharField()
    requests = RequestSummarySerializer(many=True)
