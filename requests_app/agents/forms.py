"""Forms of the authorized-agent path. The consumer's identity is validated by RequestForm's own clean
methods (the agent form extends it), so both forms accept and refuse exactly the same values."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from requests_app.agents.services import AgentDetails, ConfirmationPoints, agent_document_sanitize
from requests_app.forms import CodeForm, StatusLookupForm, normalised
from requests_app.intake.forms import RequestForm
from requests_app.models import AgentAuthorization
from verification.normalize import email_is_confusable, normalize_email
from verification.upload_handlers import upload_raw_name
from verification.uploads import UploadRejected

_SOS_NUMBER = re.compile(r"^[A-Z0-9]{6,14}$")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]

# The consumer fields keep RequestForm's validation; only their messages speak about the consumer.
_CONSUMER_MESSAGES = {
    "first_name": _("Enter the consumer's first name."),
    "last_name": _("Enter the consumer's last name."),
    "email": _("Enter the consumer's e-mail address."),
    "kinds": _("Choose at least one request."),
}


class AgentRequestForm(RequestForm):
    agent_name = forms.CharField(
        max_length=160,
        error_messages={
            "required": _("Enter your full name."),
            "max_length": _("Enter at most 160 characters."),
        },
    )
    agent_email = forms.CharField(
        max_length=254,
        error_messages={
            "required": _("Enter your e-mail address; we send your confirmation and codes there.")
        },
    )
    agent_organisation = forms.CharField(
        max_length=160, required=False, error_messages={"max_length": _("Enter at most 160 characters.")}
    )
    agent_is_entity = forms.BooleanField(required=False)
    agent_sos_number = forms.CharField(max_length=20, required=False)
    document_type = forms.ChoiceField(
        # What a person uploads; a DRP agent's authority comes from the directory, never from this form.
        choices=[
            (value, label)
            for value, label in AgentAuthorization.DocumentType.choices
            if value != AgentAuthorization.DocumentType.DRP_DIRECTORY
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Say whether you are sending a signed permission or a power of attorney."),
            "invalid_choice": _("Choose a signed permission or a power of attorney."),
        },
    )
    document = forms.FileField(
        max_length=255,
        error_messages={
            "required": _("Choose the signed permission or power of attorney to upload (PDF, JPEG or PNG)."),
            "empty": _("The file is empty. Please upload a PDF, JPEG or PNG of the signed document."),
            "invalid": _("No file was received. Please choose the document (PDF, JPEG or PNG) again."),
            "max_length": _("The file name is too long. Please rename the file and upload it again."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, message in _CONSUMER_MESSAGES.items():
            self.fields[name].error_messages["required"] = message

    def clean_agent_name(self) -> str:
        return self._clean_text("agent_name")

    def clean_agent_organisation(self) -> str:
        return self._clean_text("agent_organisation")

    def clean_agent_email(self) -> str:
        raw = self.cleaned_data["agent_email"]
        if email_is_confusable(raw):
            raise forms.ValidationError(
                _(
                    "This address mixes look-alike characters from different alphabets. Type it in one alphabet."
                )
            )
        return normalised(normalize_email, raw)

    def clean_agent_sos_number(self) -> str:
        value = re.sub(r"[\s-]", "", self.cleaned_data["agent_sos_number"]).upper()
        if value and not _SOS_NUMBER.match(value):
            raise forms.ValidationError(
                _(
                    "Enter the registration number as the Secretary of State shows it, like C1234567 or 202312345678."
                )
            )
        return value

    def clean_document(self):
        upload = self.cleaned_data["document"]
        try:
            return agent_document_sanitize(name=upload_raw_name(upload), stream=upload)
        except UploadRejected as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None

    def clean(self):
        data = super().clean()
        if (
            data.get("agent_is_entity")
            and not data.get("agent_sos_number")
            and "agent_sos_number" not in self.errors
        ):
            self.add_error(
                "agent_sos_number",
                _(
                    "A business acting as agent must give its California Secretary of State registration number."
                ),
            )
        if (
            data.get("agent_is_entity")
            and not data.get("agent_organisation")
            and "agent_organisation" not in self.errors
        ):
            self.add_error("agent_organisation", _("Enter the name of the business registered as agent."))
        return data

    def agent(self) -> AgentDetails:
        data = self.cleaned_data
        return AgentDetails(
            name=data["agent_name"],
            email=data["agent_email"],
            organisation=data["agent_organisation"],
            is_entity=data["agent_is_entity"],
            sos_number=data["agent_sos_number"] if data["agent_is_entity"] else "",
        )


class ConfirmOpenForm(CodeForm):
    reference = forms.CharField(
        max_length=20,
        error_messages={"required": _("Enter the reference from our e-mail, like RN-7KQ2-M9XH-4TPD.")},
    )
    field_order = ["reference", "code"]
    clean_reference = StatusLookupForm.clean_reference


class ConfirmResendForm(forms.Form):
    reference = forms.CharField(
        max_length=20,
        error_messages={"required": _("Enter the reference from our e-mail, like RN-7KQ2-M9XH-4TPD.")},
    )
    clean_reference = StatusLookupForm.clean_reference


class ConfirmAnswerForm(forms.Form):
    gave_permission = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": _("Tell us whether you gave this permission.")},
    )
    agent_may_receive = forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, required=False)
    phone = forms.CharField(max_length=40, required=False)
    member_number = forms.CharField(max_length=20, required=False)
    date_of_birth = forms.CharField(max_length=20, required=False)
    street = forms.CharField(max_length=200, required=False)
    zip_code = forms.CharField(max_length=12, required=False)

    def __init__(self, *args, asks_results: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.asks_results = asks_results  # an opt-in to sale has no results to receive

    # The same normalisers and messages as the request form.
    clean_phone = RequestForm.clean_phone
    clean_member_number = RequestForm.clean_member_number
    clean_date_of_birth = RequestForm.clean_date_of_birth
    clean_street = RequestForm.clean_street
    clean_zip_code = RequestForm.clean_zip_code

    def clean(self):
        data = super().clean()
        if data.get("gave_permission") == "yes":
            if self.asks_results and not data.get("agent_may_receive"):
                self.add_error("agent_may_receive", _("Tell us whether the agent may receive the results."))
            typed = [data.get(name) for name in ("phone", "member_number", "date_of_birth", "zip_code")]
            if not any(typed) and not self.errors:
                self.add_error(
                    None,
                    _(
                        "To confirm it is you, enter at least one of: date of birth, phone, member number, or address with ZIP code."
                    ),
                )
        return data

    def points(self) -> ConfirmationPoints:
        data = self.cleaned_data
        return ConfirmationPoints(
            phone=data.get("phone", ""),
            member_number=data.get("member_number", ""),
            street=data.get("street", ""),
            zip5=data.get("zip_code", ""),
            date_of_birth=data.get("date_of_birth"),
        )


AgentStatusLookupForm = StatusLookupForm
