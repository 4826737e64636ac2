from django import forms
from django.utils.translation import gettext_lazy as _

from requests_app.appeals.services import STATEMENT_MAX


class AppealForm(forms.Form):
    statement = forms.CharField(
        label=_("Why should we look at this again? (optional)"),
        max_length=STATEMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
