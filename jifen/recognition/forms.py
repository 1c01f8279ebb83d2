from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.recognition.models import Level, RecognitionSettings


class LevelForm(forms.ModelForm):
    class Meta:
        model = Level
        fields = ["name", "min_points", "description"]


class SettingsForm(forms.ModelForm):
    class Meta:
        model = RecognitionSettings
        fields = ["level_window", "min_group_size", "new_hire_months"]

    def clean_min_group_size(self):
        value = self.cleaned_data["min_group_size"]
        if value < 1:
            raise forms.ValidationError(_("At least 1."))
        return value
