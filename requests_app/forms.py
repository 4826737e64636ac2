"""Form pieces every public flow shares: the state list, a normaliser that speaks form errors, the
reference + e-mail lookup and the 6-digit code."""

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
