from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.tracking.reports.models import BusinessMeasure, PlanReport
from jifen.tracking.reports.services import SETTINGS_FIELDS


class ReportSettingsForm(forms.ModelForm):
    class Meta:
        model = PlanReport
        fields = SETTINGS_FIELDS
        widgets = {
            "baseline_start": forms.DateInput(attrs={"type": "date"}),
            "baseline_end": forms.DateInput(attrs={"type": "date"}),
            "benefit_basis": forms.Textarea(attrs={"rows": 2}),
            "conclusion": forms.Textarea(attrs={"rows": 3}),
            "problems": forms.Textarea(attrs={"rows": 3}),
            "suggestions": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("baseline_start"), cleaned.get("baseline_end")
        if start and end and end < start:
            self.add_error("baseline_end", _("The baseline period ends before it starts."))
        return cleaned


class MeasureForm(forms.ModelForm):
    class Meta:
        model = BusinessMeasure
        fields = ("org_unit", "name", "unit", "higher_is_better", "baseline", "current", "baseline_period",
                  "current_period", "note")
        widgets = {"baseline_period": forms.TextInput(attrs={"placeholder": _("e.g. 2026 Q2")}),
                   "current_period": forms.TextInput(attrs={"placeholder": _("e.g. 2026 Q4")})}

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units.order_by("path")
        self.fields["org_unit"].empty_label = None
        self.fields["name"].widget.attrs["placeholder"] = _("e.g. customer complaints per month")
        self.fields["unit"].widget.attrs["placeholder"] = _("e.g. %, pieces, hours")
