from django import forms
from django.utils.translation import gettext_lazy as _

from requests_app.forms import normalised
from verification.normalize import email_is_confusable, normalize_email


class OptOutForm(forms.Form):
    """Only an e-mail, and only when the browser did not send Global Privacy Control (Regs §7026(d))."""

    email = forms.CharField(max_length=254, required=False)

    def __init__(self, *args, gpc: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.gpc = gpc

    def clean_email(self) -> str:
        raw = self.cleaned_data["email"].strip()
        if not raw:
            if not self.gpc:
                raise forms.ValidationError(
                    _("Enter your e-mail address, so that we know whose information to stop selling.")
                )
            return ""
        if email_is_confusable(raw):
            raise forms.ValidationError(
                _(
                    "This address mixes look-alike characters from different alphabets. Type it in one alphabet."
                )
            )
        return normalised(normalize_email, raw)


class OptInForm(forms.Form):
    """The second step of opting in (Regs §7028(a)): a separate, explicit confirmation."""

    confirm = forms.BooleanField(
        error_messages={"required": _("Tick the box to confirm that you want to opt back in.")}
    )
