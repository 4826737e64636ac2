"""Form pieces every public flow shares: the state list, a normaliser that speaks form errors, the
reference + e-mail lookup and the 6-digit code."""

import copy

from django import forms
from django.utils.translation import gettext_lazy as _

from verification.normalize import (
    NormalizationError,
    normalize_email,
)

US_STATES = [
    ("", _("Choose a state")),
    *[
        (code, code)
        for code in (
            "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
            "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR"
        ).split()
    ],
    ("XX", _("Outside the United States")),
]


class FixedChoicesMixin:
    """For a choice field whose choices are a module constant, never changed on a form instance.

    Django deep-copies every field for every form instance, and a choice field deep-copies its choices
    too: for the request form's 56 states that was most of the form's construction, on every POST of the
    intake hot path (bench/intake.py). These fields share their (immutable) choices instead; setting
    `choices` on an instance still replaces them for that instance only.
    """

    def __deepcopy__(self, memo):
        result = copy.copy(self)
        memo[id(self)] = result
        # What Field.__deepcopy__ and ChoiceWidget.__deepcopy__ copy, less the re-normalised choices.
        result.widget = copy.copy(self.widget)
        result.widget.attrs = self.widget.attrs.copy()
        result.widget._choices = self.widget._choices
        result.error_messages = self.error_messages.copy()
        result.validators = self.validators[:]
        result._choices = self._choices
        return result


class FixedChoiceField(FixedChoicesMixin, forms.ChoiceField):
    pass


class FixedMultipleChoiceField(FixedChoicesMixin, forms.MultipleChoiceField):
    pass


def normalised(normaliser, value, **kwargs):
    if not value:
        return ""
    try:
        return normaliser(value, **kwargs)
    except NormalizationError as exc:
        raise forms.ValidationError(exc.message) from exc


class StatusLookupForm(forms.Form):
    reference = forms.CharField(
        max_length=20,
        error_messages={"required": _("Enter the reference from your confirmation, like RN-7KQ2-M9XH-4TPD.")},
    )
    email = forms.CharField(
        max_length=254, error_messages={"required": _("Enter the e-mail address you used.")}
    )

    def clean_reference(self) -> str:
        value = "".join(self.cleaned_data["reference"].split()).upper()
        if not value.startswith("RN-") or len(value) != 17:
            raise forms.ValidationError(_("A reference looks like RN-7KQ2-M9XH-4TPD."))
        return value

    def clean_email(self) -> str:
        return normalised(normalize_email, self.cleaned_data["email"])


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=12, error_messages={"required": _("Enter the 6-digit code we e-mailed you.")}
    )

    def clean_code(self) -> str:
        value = "".join(self.cleaned_data["code"].split())
        if not value.isdigit() or len(value) != 6:
            raise forms.ValidationError(_("The code is 6 digits, like 123456."))
        return value
