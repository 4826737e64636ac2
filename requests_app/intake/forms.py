"""The request form: what a consumer asks for and who they are, validated and normalised."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_app.forms import US_STATES, FixedChoiceField, FixedMultipleChoiceField, normalised
from requests_app.models import AGENT_ONLY_KINDS, Kind, kinds_offered
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

PERIOD_ALL, PERIOD_RANGE = "all", "range"
PERIOD_EARLIEST = date(2022, 1, 1)  # CCPA §1798.130(a)(2)(B): the look-back reaches to 1 January 2022


class RequestForm(forms.Form):
    kinds = FixedMultipleChoiceField(
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
    state = FixedChoiceField(
        choices=US_STATES,
        required=False,
        error_messages={"invalid_choice": _("Choose a state from the list.")},
    )
    zip_code = forms.CharField(max_length=12, required=False)
    # Residency decides the regime (requests_app.regimes); a form posted without it stays California.
    residency = FixedChoiceField(
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

    # Requests to know: everything since January 1, 2022 (the default), or a range of dates.
    period = FixedChoiceField(
        choices=[(PERIOD_ALL, _("Everything since January 1, 2022")), (PERIOD_RANGE, _("A range of dates"))],
        required=False,
        error_messages={"invalid_choice": _("Choose a period from the list.")},
    )
    period_from = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter a date like 2023-01-31.")},
    )
    period_to = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter a date like 2023-01-31.")},
    )

    def clean_kinds(self) -> list[str]:
        kinds = self.cleaned_data["kinds"]
        if set(kinds) & AGENT_ONLY_KINDS:
            raise forms.ValidationError(
                _(
                    "An opt-in to the sale or sharing of your information is not made with this form: open "
                    "the status page of one of your requests, then the opt-in page (/do-not-sell/opt-in/)."
                ),
                code="not_offered",
            )
        if not {k for k, _label in kinds_offered()} >= set(kinds):
            # The ADMT kinds exist but are switched off (settings.ADMT_REQUESTS_ENABLED).
            raise forms.ValidationError(
                _(
                    "Requests about automated decision-making technology cannot be made here yet. "
                    "Choose another request from the list."
                ),
                code="not_offered",
            )
        return kinds

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("period") != PERIOD_RANGE:
            cleaned["period_from"] = cleaned["period_to"] = None
            return cleaned
        start, end = cleaned.get("period_from"), cleaned.get("period_to")
        if "period_from" in self.errors or "period_to" in self.errors:
            return cleaned
        if start is None and end is None:
            self.add_error("period_from", _("Enter the first day of the range, the last day, or both."))
        elif start is not None and start < PERIOD_EARLIEST:
            self.add_error("period_from", _("The range can start on January 1, 2022 at the earliest."))
        elif start is not None and end is not None and end < start:
            self.add_error("period_to", _("The last day must not be before the first day."))
        elif end is not None and end > timezone.localdate():
            self.add_error("period_to", _("The last day cannot be in the future."))
        return cleaned

    def data_range(self) -> tuple[date | None, date | None]:
        """The range asked for, for requests to know; (None, None) means everything since 2022-01-01."""
        return self.cleaned_data.get("period_from"), self.cleaned_data.get("period_to")

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
