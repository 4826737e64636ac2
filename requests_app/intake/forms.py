"""The request form: what a consumer asks for and who they are, validated and normalised."""

from django import forms
from django.utils.translation import gettext_lazy as _

from requests_app.forms import US_STATES, normalised
from requests_app.models import Kind
from requests_app.regimes import Regime
from requests_app.requester import RequesterDetails
from verification.normalize import (
    email_is_confusable,
    normalize_dob,
    normalize_email,
    normalize_member_number,
    normalize_phone,
    normalize_zip,
)


class RequestForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        choices=Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one request."),
            "invalid_choice": _("Choose requests from the list."),
        },
    )
    first_name = forms.CharField(
        max_length=80,
        error_messages={
            "required": _("Enter your first name."),
            "max_length": _("Enter at most 80 characters."),
        },
    )
    last_name = forms.CharField(
        max_length=80,
        error_messages={
            "required": _("Enter your last name."),
            "max_length": _("Enter at most 80 characters."),
        },
    )
    email = forms.CharField(
        max_length=254, error_messages={"required": _("Enter your e-mail address; we send a code there.")}
    )
    phone = forms.CharField(max_length=40, required=False)
    street = forms.CharField(
        max_length=200, required=False, error_messages={"max_length": _("Enter at most 200 characters.")}
    )
    city = forms.CharField(
        max_length=80, required=False, error_messages={"max_length": _("Enter at most 80 characters.")}
    )
    state = forms.ChoiceField(
        choices=US_STATES,
        required=False,
        error_messages={"invalid_choice": _("Choose a state from the list.")},
    )
    zip_code = forms.CharField(max_length=12, required=False)
    # Residency decides the regime (requests_app.regimes); a form posted without it stays California.
    residency = forms.ChoiceField(
        choices=Regime.choices,
        required=False,
        error_messages={"invalid_choice": _("Choose a state from the list.")},
    )
    date_of_birth = forms.CharField(max_length=20, required=False)
    member_number = forms.CharField(max_length=20, required=False)

    def _clean_text(self, name: str) -> str:
        value = " ".join(self.cleaned_data[name].split())
        if any(ch in value for ch in "<>{}\\") or any(ord(ch) < 32 for ch in value):
            raise forms.ValidationError(_("Use letters, spaces, hyphens and apostrophes only."))
        return value

    def clean_residency(self) -> str:
        return self.cleaned_data.get("residency") or Regime.CALIFORNIA

    def clean_first_name(self) -> str:
        return self._clean_text("first_name")

    def clean_last_name(self) -> str:
        return self._clean_text("last_name")

    def clean_city(self) -> str:
        return self._clean_text("city")

    def clean_street(self) -> str:
        value = " ".join(self.cleaned_data["street"].split())
        if any(ord(ch) < 32 for ch in value) or any(ch in value for ch in "<>{}"):
            raise forms.ValidationError(_("Enter a street address such as 900 Concar Drive, Suite 2."))
        return value

    def clean_email(self) -> str:
        raw = self.cleaned_data["email"]
        if email_is_confusable(raw):
            raise forms.ValidationError(
                _(
                    "This address mixes look-alike characters from different alphabets. Type it in one alphabet."
                )
            )
        return normalised(normalize_email, raw)

    def clean_phone(self) -> str:
        return normalised(normalize_phone, self.cleaned_data["phone"])

    def clean_zip_code(self) -> str:
        return normalised(normalize_zip, self.cleaned_data["zip_code"])

    def clean_date_of_birth(self):
        return normalised(normalize_dob, self.cleaned_data["date_of_birth"]) or None

    def clean_member_number(self) -> str:
        return normalised(normalize_member_number, self.cleaned_data["member_number"])

    def requester(self) -> RequesterDetails:
        data = self.cleaned_data
        return RequesterDetails(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            street=data["street"],
            city=data["city"],
            state=data["state"],
            zip5=data["zip_code"],
            date_of_birth=data["date_of_birth"],
            member_number=data["member_number"],
        )
