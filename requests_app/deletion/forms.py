from django import forms
from django.utils.translation import gettext_lazy as _

from requests_app.forms import CodeForm, StatusLookupForm


class DeletionConfirmForm(CodeForm):
    reference = forms.CharField(
        max_length=20,
        error_messages={"required": _("Enter the reference from our e-mail, like RN-7KQ2-M9XH-4TPD.")},
    )
    field_order = ["reference", "code"]
    clean_reference = StatusLookupForm.clean_reference


class DeletionActionForm(forms.Form):
    """Cancel or resend: the request is named by its reference, checked against the session's access."""

    reference = forms.CharField(max_length=20)
