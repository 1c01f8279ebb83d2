from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.api.models import TokenScope


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What the token is for, e.g. the system that uses it."))
    scope = forms.ChoiceField(label=_("Scope"), choices=TokenScope.choices, initial=TokenScope.READ)

    def __init__(self, *args, allow_admin: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_admin:
            self.fields["scope"].choices = [c for c in TokenScope.choices if c[0] != TokenScope.ADMIN]
