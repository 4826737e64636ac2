"""The verification steps' forms: the code for someone without their submission's session, and the
signed declaration (Regs §7062(c))."""

from django import forms
from django.utils.translation import gettext_lazy as _

from requests_app.forms import CodeForm, StatusLookupForm


class VerifyLookupForm(CodeForm):
    """The code step for someone who arrives without the session of their submission."""

    reference = forms.CharField(
        max_length=20,
        error_messages={"required": _("Enter the reference from your confirmation, like RN-7KQ2-M9XH-4TPD.")},
    )
    email = forms.CharField(
        max_length=254, error_messages={"required": _("Enter the e-mail address you used.")}
    )
    clean_reference = StatusLookupForm.clean_reference
    clean_email = StatusLookupForm.clean_email

    field_order = ["reference", "email", "code"]


class DeclarationForm(forms.Form):
    signed_name = forms.CharField(
        max_length=200, error_messages={"required": _("Type your full name to sign the declaration.")}
    )
    accept = forms.BooleanField(
        error_messages={"required": _("Tick the box to sign the declaration, or continue without signing.")}
    )
