from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.notify.models import Channel, Kind, Preference


class PreferenceForm(forms.ModelForm):
    muted_kinds = forms.MultipleChoiceField(
        label=_("Keep these in the app only"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[c for c in Kind.choices if c[0] != Kind.OTHER])

    class Meta:
        model = Preference
        fields = ("mode", "email", "robots", "quiet_start", "quiet_end", "muted_kinds")
        widgets = {"mode": forms.RadioSelect, "quiet_start": forms.TimeInput(attrs={"type": "time"}),
                   "quiet_end": forms.TimeInput(attrs={"type": "time"})}


class ChannelForm(forms.ModelForm):
    url = forms.URLField(label=_("webhook address"), max_length=500, assume_scheme="https")

    class Meta:
        model = Channel
        fields = ("kind", "name", "url", "secret", "org_unit", "is_active")
        widgets = {"secret": forms.PasswordInput(render_value=True)}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") in ("dingtalk", "feishu", "webhook") and not cleaned.get("secret"):
            self.add_error("secret", _("This kind of channel signs its messages: give its secret."))
        return cleaned
