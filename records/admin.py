from django import forms
from django.contrib import admin

from .checks import system_dataset_problems
from .models import DataCategory, DataPointType, Purpose, Recipient, Source, System
from .retention import expired_points


@admin.register(DataCategory)
class DataCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "sensitive", "position")


@admin.register(DataPointType)
class DataPointTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "category", "never_disclose", "sensitive")
    list_filter = ("category", "never_disclose", "sensitive")


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "code")


@admin.register(Purpose)
class PurposeAdmin(admin.ModelAdmin):
    list_display = ("letter", "name", "code")


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "section", "receives_sale", "direct_marketing", "notify_by")
    list_filter = ("kind", "receives_sale", "direct_marketing")


class SystemForm(forms.ModelForm):
    def clean(self):
        """A system is saved only with a dataset file that loads (checked now, not at a request)."""
        cleaned = super().clean()
        if not self.errors:
            candidate = System(
                code=cleaned.get("code", ""),
                name=cleaned.get("name", ""),
                connector=cleaned.get("connector", ""),
                dataset_path=cleaned.get("dataset_path", ""),
            )
            problems = system_dataset_problems(candidate)
            if problems:
                raise forms.ValidationError([forms.ValidationError(p) for p in problems])
        return cleaned


@admin.register(System)
class SystemAdmin(admin.ModelAdmin):
    form = SystemForm
    list_display = (
        "name",
        "code",
        "erasure",
        "retention_days",
        "past_retention",
        "connector",
        "dataset_path",
        "last_check",
        "position",
    )
    readonly_fields = ("last_checked_at", "last_check_ok", "last_check_summary")
    list_filter = ("connector",)
    filter_horizontal = ("categories", "sources", "purposes", "recipients")

    @admin.display(description="past retention")
    def past_retention(self, system: System) -> str:
        """Portal copies older than the statement allows, until the nightly purge removes them."""
        if system.retention_days is None:
            return "no age limit"
        count = expired_points().filter(system=system).count()  # one query per system: a dozen rows
        return f"⚠ {count} past retention" if count else "none"

    @admin.display(description="last check (manage.py connector_check)")
    def last_check(self, system: System) -> str:
        if system.last_checked_at is None:
            return "never"
        when = system.last_checked_at.strftime("%Y-%m-%d %H:%M")
        return f"{'ok' if system.last_check_ok else 'FAILED'} at {when}"
