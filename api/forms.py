"""Forms of the API's staff page (/staff/api-tokens/)."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from staff.permissions import Role

from .services import DEFAULT_DAYS, MAX_DAYS


class TokenOwnerField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_username()


class ApiTokenCreateForm(forms.Form):
    """A token for oneself or for a service account (a user holding a staff role: the role decides)."""

    name = forms.CharField(
        max_length=100,
        label=_("What it is for"),
        error_messages={"required": _("Name the token (what it is for).")},
    )
    owner = TokenOwnerField(queryset=get_user_model().objects.none(), label=_("Owner"))
    days = forms.IntegerField(
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        label=_("Expires after (days)"),
        error_messages={
            "min_value": _("A token lives between 1 and %(max)d days.") % {"max": MAX_DAYS},
            "max_value": _("A token lives between 1 and %(max)d days.") % {"max": MAX_DAYS},
        },
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        roles = [role.value for role in Role]
        self.fields["owner"].queryset = (
            get_user_model()
            .objects.filter(Q(is_superuser=True) | Q(groups__name__in=roles) | Q(pk=actor.pk), is_active=True)
            .distinct()
            .order_by("username")
        )
        self.fields["owner"].initial = actor.pk
