"""The owner's answers on the manual task page: an upload (CSV or JSON) validated against the data map,
or an erasure answer. Every problem is reported in words the owner can act on, with the line or the
record it is on; a file with any problem is refused whole."""

import csv
import io
import json
from datetime import UTC, date, datetime, time

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from records.models import RetentionHold

COLLECTED_AT = "collected_at"  # an optional column: when the system collected the row
MAX_VALUE_CHARS = 4000
MAX_ERRORS_SHOWN = 10


def _collected(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        value = datetime.combine(date.fromisoformat(text), time(12, 0))  # ValueError goes to the caller
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError
    return str(value).strip()


def parse_owner_file(*, name: str, content: bytes, allowed: set[str]) -> list[dict]:
    """Rows of points from a CSV (a header row of data-point type codes) or a JSON list of objects keyed
    by those codes; `collected_at` (YYYY-MM-DD or ISO date-time) is optional. Raises
    forms.ValidationError listing the problems."""
    lower = name.lower()
    if not lower.endswith((".csv", ".json")):
        raise forms.ValidationError(_("Upload a .csv or a .json file."))
    if len(content) > settings.MANUAL_UPLOAD_MAX_BYTES:
        raise forms.ValidationError(
            _("The file is larger than %(mb).1f MB; split it or leave out what is not this person's.")
            % {"mb": settings.MANUAL_UPLOAD_MAX_BYTES / 1024 / 1024}
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise forms.ValidationError(
            _("The file is not UTF-8 text; save it as UTF-8 and upload it again.")
        ) from None
    records = _csv_records(text) if lower.endswith(".csv") else _json_records(text)
    if len(records) > settings.MANUAL_UPLOAD_MAX_ROWS:
        raise forms.ValidationError(
            _("The file has more than %(n)d records.") % {"n": settings.MANUAL_UPLOAD_MAX_ROWS}
        )
    problems: list[str] = []
    unknown = sorted({key for _where, record in records for key in record} - allowed - {COLLECTED_AT})
    if unknown:
        problems.append(
            _("Not a type of information this system holds: %(unknown)s. Use these names: %(allowed)s.")
            % {"unknown": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}
        )
    rows = []
    for where, record in records:
        points = []
        try:
            collected = _collected(_cell(record.get(COLLECTED_AT)))
        except ValueError:
            problems.append(_("%(where)s: collected_at is not a date (use YYYY-MM-DD).") % {"where": where})
            collected = None
        for key, raw in record.items():
            if key == COLLECTED_AT or key not in allowed:
                continue
            try:
                value = _cell(raw)
            except ValueError:
                problems.append(
                    _("%(where)s: %(key)s must be text or a number.") % {"where": where, "key": key}
                )
                continue
            if len(value) > MAX_VALUE_CHARS:
                problems.append(
                    _("%(where)s: %(key)s is longer than %(n)d characters.")
                    % {"where": where, "key": key, "n": MAX_VALUE_CHARS}
                )
            elif value:
                points.append((key, value, collected))
        rows.append({"points": points})
    if not problems and not any(row["points"] for row in rows):
        problems.append(
            _("The file holds no values. If the system holds nothing for this person, say so below instead.")
        )
    if problems:
        shown = problems[:MAX_ERRORS_SHOWN]
        if len(problems) > MAX_ERRORS_SHOWN:
            shown.append(_("… and %(n)d more problems.") % {"n": len(problems) - MAX_ERRORS_SHOWN})
        raise forms.ValidationError(shown)
    return rows


def _csv_records(text: str) -> list[tuple[str, dict]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise forms.ValidationError(_("The file is empty.")) from None
    except csv.Error:
        raise forms.ValidationError(_("The file is not a readable CSV file.")) from None
    if not any(header):
        raise forms.ValidationError(_("The first line must name the columns (data-point types)."))
    if len(set(header)) != len(header):
        raise forms.ValidationError(_("A column name appears twice in the first line."))
    records = []
    try:
        for line, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise forms.ValidationError(
                    _("Line %(line)d has %(n)d cells; the first line names %(m)d columns.")
                    % {"line": line, "n": len(cells), "m": len(header)}
                )
            records.append((_("Line %(line)d") % {"line": line}, dict(zip(header, cells, strict=True))))
    except csv.Error:
        raise forms.ValidationError(_("The file is not a readable CSV file.")) from None
    return records


def _json_records(text: str) -> list[tuple[str, dict]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise forms.ValidationError(
            _("The file is not valid JSON (line %(line)d).") % {"line": exc.lineno}
        ) from None
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        data = data["records"]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise forms.ValidationError(
            _('The JSON must be a list of records, e.g. [{"email": "…", "entry_image": "…"}].')
        )
    return [(_("Record %(n)d") % {"n": n}, item) for n, item in enumerate(data, start=1)]


class OwnerUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("The file (CSV or JSON)"))

    def __init__(self, *args, allowed: set[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.allowed = allowed

    def clean_file(self) -> list[dict]:
        upload = self.cleaned_data["file"]
        if upload.size > settings.MANUAL_UPLOAD_MAX_BYTES:
            content = b"x" * (settings.MANUAL_UPLOAD_MAX_BYTES + 1)  # refused by size, without reading it
        else:
            content = upload.read()
        return parse_owner_file(name=upload.name or "", content=content, allowed=self.allowed)


class OwnerErasureForm(forms.Form):
    ANSWERS = [
        ("erased", gettext_lazy("I erased this person's records")),
        ("kept", gettext_lazy("The records must be kept")),
    ]
    answer = forms.ChoiceField(
        label=gettext_lazy("What did you do?"), choices=ANSWERS, widget=forms.RadioSelect
    )
    count = forms.IntegerField(label=gettext_lazy("How many records?"), min_value=1, max_value=1_000_000)
    reason = forms.ChoiceField(
        label=gettext_lazy("If kept: the legal reason"),
        choices=[("", "—"), *RetentionHold.Reason.choices],
        required=False,
    )
    explanation = forms.CharField(
        label=gettext_lazy("If kept: why, in words the person understands (it is shown to them)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("answer") == "kept":
            if not data.get("reason"):
                self.add_error("reason", _("Choose the reason the records are kept."))
            if not (data.get("explanation") or "").strip():
                self.add_error("explanation", _("Say why the records are kept; it is required."))
        return data


class OwnerCorrectionForm(forms.Form):
    count = forms.IntegerField(
        label=gettext_lazy("How many records did you correct?"), min_value=1, max_value=1_000_000
    )
