from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Employee / student number or e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    error_messages = {
        "invalid_login": _("The number / e-mail or the password is wrong. Both are checked as typed."),
        "inactive": _("This login is switched off."),
    }

    def get_invalid_login_error(self):
        # The directory (LDAP) accepted the password but Jifen refused the person: say why.
        refusal = getattr(self.request, "sso_refusal", None)
        if refusal:
            return forms.ValidationError(refusal, code="sign_on_refused")
        return super().get_invalid_login_error()


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False, widget=forms.HiddenInput)
