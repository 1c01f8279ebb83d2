from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.learning.integrity.services import NOTE_MAX


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Why you decided so: the learner reads it."))
