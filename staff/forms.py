import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from requests_app.appeals.models import Appeal
from requests_app.models import Channel, Kind, Status
from verification.normalize import NormalizationError, normalize_email

from .models import DenialReasonTemplate
from .selectors import ALL, OPEN, QueueFilters, staff_assignees
from .services import LOWER_LEVELS

REFERENCE_RE = re.compile(r"^RN-?[2-9A-HJ-NP-Z]{4}-?[2-9A-HJ-NP-Z]{4}-?[2-9A-HJ-NP-Z]{4}$")
CURSOR_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(\d{1,18})$")
PAGE_SIZES = (25, 50, 100)


def normalize_reference(value: str) -> str | None:
    """RN-7KQ2-M9XH-4TPD however it was typed (case, missing dashes), or None."""
    compact = re.sub(r"[\s-]", "", value.upper())
    if not REFERENCE_RE.match(compact):
        return None
    body = compact[2:]
    return f"RN-{body[:4]}-{body[4:8]}-{body[8:]}"


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[(OPEN, _("All open")), (ALL, _("All")), *Status.choices],
    )
    kind = forms.ChoiceField(required=False, choices=[("", _("Any kind")), *Kind.choices])
    channel = forms.ChoiceField(required=False, choices=[("", _("Any channel")), *Channel.choices])
    assignee = forms.ChoiceField(required=False)
    overdue = forms.BooleanField(required=False)
    due_within = forms.IntegerField(required=False, min_value=0, max_value=365)
    agent = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=254, strip=True)
    sort = forms.ChoiceField(required=False, choices=[("due", _("Due first")), ("-due", _("Due last"))])
    size = forms.TypedChoiceField(required=False, coerce=int, choices=[(s, s) for s in PAGE_SIZES])
    after = forms.CharField(required=False, max_length=40)

    def __init__(self, *args, can_search_email: bool, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_search_email = can_search_email
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Unassigned")),
            *[(str(u.pk), u.get_username()) for u in assignees],
        ]

    def clean_q(self) -> dict:
        q = self.cleaned_data["q"]
        if not q:
            return {}
        if reference := normalize_reference(q):
            return {"reference": reference}
        if "@" in q:
            if not self.can_search_email:
                raise forms.ValidationError(_("Your role can search by reference only."))
            try:
                return {"email": normalize_email(q)}
            except NormalizationError:
                raise forms.ValidationError(_("That is not an e-mail address.")) from None
        raise forms.ValidationError(_("Search by a reference like RN-7KQ2-M9XH-4TPD or by e-mail."))

    def clean_after(self) -> tuple[date, int] | None:
        value = self.cleaned_data["after"]
        match = CURSOR_RE.match(value or "")
        if not match:
            return None
        try:
            return date.fromisoformat(match.group(1)), int(match.group(2))
        except ValueError:
            return None

    def filters(self) -> QueueFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return QueueFilters(
            status=data.get("status") or OPEN,
            kind=data.get("kind", ""),
            channel=data.get("channel", ""),
            assignee=data.get("assignee", ""),
            overdue=data.get("overdue", False),
            due_within=data.get("due_within"),
            agent=data.get("agent", False),
            descending=data.get("sort") == "-due",
            after=data.get("after"),
            page_size=data.get("size") or PAGE_SIZES[0],
            **(data.get("q") or {}),
        )


class ConfirmedForm(forms.Form):
    """A staff action. Only an irreversible one (a denial, the approval of a deletion) carries a tick
    box the server requires; the others go through on the button alone. Forms that depend on the
    request acted on (the reasons a denial may give) read it from `privacy_request`."""

    irreversible = False

    confirm = forms.BooleanField(
        required=True,
        label=_("I have checked this and confirm"),
        error_messages={"required": _("Tick the box to confirm.")},
    )

    def __init__(self, *args, privacy_request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.privacy_request = privacy_request
        if not self.is_irreversible():
            del self.fields["confirm"]

    def is_irreversible(self) -> bool:
        return self.irreversible


class AssigneeField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_username()


class AssignForm(ConfirmedForm):
    assignee = AssigneeField(queryset=None, required=False, empty_label=_("Nobody (unassign)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_assignees()


class BulkAssignForm(AssignForm):
    references = forms.Field(widget=forms.MultipleHiddenInput, required=False)

    def clean_references(self) -> list[str]:
        raw = self.cleaned_data.get("references") or []
        refs = [r for r in (normalize_reference(v) for v in raw) if r]
        if not refs:
            raise forms.ValidationError(_("Choose at least one request."))
        if len(refs) > 100:
            raise forms.ValidationError(_("Assign at most 100 requests at a time."))
        return refs


class NoteForm(ConfirmedForm):
    text = forms.CharField(label=_("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class ManualCompleteForm(ConfirmedForm):
    irreversible = True
    notes = forms.CharField(
        label=_("What was done, and the response sent to the requester"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InfoRequestForm(ConfirmedForm):
    message = forms.CharField(
        label=_("What to ask the requester"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ExtendForm(ConfirmedForm):
    reason = forms.CharField(
        label=_("Reason (the requester reads it)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ApproveForm(ConfirmedForm):
    reason = forms.CharField(label=_("Note (optional)"), max_length=2000, required=False)

    def is_irreversible(self) -> bool:
        # Approving a deletion sets the erasure going (after the requester's confirmation).
        return self.privacy_request is None or self.privacy_request.kind == Kind.DELETE


class DenyForm(ConfirmedForm):
    """No reason is pre-selected, and only reasons that fit the request's kind are offered (a deletion
    exception is never a basis to refuse access)."""

    irreversible = True

    template = forms.ModelChoiceField(
        label=_("Reason"),
        queryset=DenialReasonTemplate.objects.none(),
        empty_label=_("Choose a reason"),
        error_messages={
            "required": _("Choose the reason for the denial."),
            "invalid_choice": _("That reason does not apply to this kind of request."),
        },
    )
    text = forms.CharField(
        label=_("Explanation (added to the e-mail)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.privacy_request.kind if self.privacy_request is not None else None
        active = DenialReasonTemplate.objects.filter(active=True)
        self.fields["template"].queryset = active.filter(
            pk__in=[t.pk for t in active if kind is None or t.fits(kind)]
        )


class LowerProposeForm(ConfirmedForm):
    level = forms.ChoiceField(label=_("Accept verification at"), choices=list(LOWER_LEVELS.items()))
    reason = forms.CharField(label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class AppealDecideForm(ConfirmedForm):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[c for c in Appeal.Decision.choices if c[0]], widget=forms.RadioSelect
    )
    explanation = forms.CharField(
        label=_("Explanation (the requester reads it)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class LogExportForm(forms.Form):
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)


# --- Evidence panels ---------------------------------------------------------------------------------
class AgentDocumentAcceptForm(ConfirmedForm):
    note = forms.CharField(label=_("Note (optional)"), max_length=2000, required=False)


class AgentDocumentRejectForm(ConfirmedForm):
    note = forms.CharField(
        label=_("Why is it rejected? (recorded; the requests still open are denied)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ProcessorNoticeForm(ConfirmedForm):
    notice = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class ProcessorConfirmForm(ProcessorNoticeForm):
    outcome = forms.ChoiceField(
        label=_("The recipient says"),
        choices=[("completed", _("It has acted on the notice")), ("no_records", _("It holds no records"))],
    )
    note = forms.CharField(
        label=_("How did it confirm? (e.g. e-mail reply of 3 May)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SystemRunForm(ConfirmedForm):
    run = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class SystemSkipForm(SystemRunForm):
    reason = forms.CharField(
        label=_("Why is this system skipped? (recorded; for a deletion, the requester reads it)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CorrectionDecideForm(ConfirmedForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve and correct")), ("deny", _("Deny"))],
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("Notes: the circumstances weighed"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    basis = forms.CharField(
        label=_("Basis for a denial (sent to the requester)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class MfaCodeForm(forms.Form):
    """A 6-digit code from the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )
