from django import forms
from django.utils.translation import gettext_lazy as _

from requests_app.correction.services import MAX_VALUE_LENGTH, ItemInput, normalised_for_type
from requests_app.models import point_value_withheld
from verification.normalize import NormalizationError
from verification.upload_handlers import upload_raw_name
from verification.uploads import UploadRejected, sanitize_upload


class CorrectionForm(forms.Form):
    """One optional "correct value" field per value we hold, or for a withheld value (never-disclose or an
    image) a "this is wrong" box: such values are never shown or typed back. At least one is needed."""

    explanation = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("Keep the explanation under 4,000 characters.")},
    )
    document = forms.FileField(required=False)

    def __init__(self, *args, points, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.points = points
        for point in points:
            if point_value_withheld(point.point_type):
                self.fields[f"wrong_{point.pk}"] = forms.BooleanField(required=False)
                continue
            self.fields[f"dp_{point.pk}"] = forms.CharField(
                required=False,
                max_length=MAX_VALUE_LENGTH,
                error_messages={"max_length": _("Enter at most %(limit_value)d characters.")},
            )

    @staticmethod
    def _name(point) -> str:
        return f"wrong_{point.pk}" if point_value_withheld(point.point_type) else f"dp_{point.pk}"

    def rows(self):
        """(data point, bound field, withheld) for the template, in the order of the data map."""
        return [
            (point, self[self._name(point)], point_value_withheld(point.point_type)) for point in self.points
        ]

    def clean_document(self):
        upload = self.cleaned_data.get("document")
        if not upload:
            return None
        try:
            return sanitize_upload(name=upload_raw_name(upload), stream=upload)
        except UploadRejected as exc:
            raise forms.ValidationError(exc.message) from None

    def clean(self):
        cleaned = super().clean()
        items = []
        for point in self.points:
            name = self._name(point)
            if point_value_withheld(point.point_type):
                if cleaned.get(name):
                    items.append(ItemInput(data_point_id=point.pk, value=""))
                continue
            value = (cleaned.get(name) or "").strip()
            if not value:
                continue
            try:
                normalised_for_type(point.point_type.code, value)
            except NormalizationError as exc:
                self.add_error(name, exc.message)
                continue
            if value == point.value:
                self.add_error(name, _("This is the value we already hold."))
                continue
            items.append(ItemInput(data_point_id=point.pk, value=value))
        if not items and not self.errors:
            raise forms.ValidationError(
                _("Give the correct value for at least one item, or tick “This is wrong”.")
            )
        cleaned["items"] = items
        return cleaned


class StatementForm(forms.Form):
    text = forms.CharField(
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write your statement."), "max_length": _("Keep it under 250 words.")},
    )
