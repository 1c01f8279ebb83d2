from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from jifen.ledger.adjustments import EVIDENCE_SUFFIXES, REASON_MAX
from jifen.ledger.appeals import TEXT_MAX
from jifen.ledger.models import AppealResolution, CreditType, Currency

EVIDENCE_ACCEPT = ",".join(EVIDENCE_SUFFIXES)


def _evidence_field():
    return forms.FileField(
        label=_("Evidence"), required=False,
        help_text=_("Optional: a PDF, image, Word, Excel or text file of at most 10 MB, for the approver."),
        widget=forms.ClearableFileInput(attrs={"accept": EVIDENCE_ACCEPT}),
    )


class AdjustmentForm(forms.Form):
    employee_no = forms.CharField(
        label=_("Employee / student number"), max_length=32,
        help_text=_("Type to search by number or name."),
        widget=forms.TextInput(attrs={
            "list": "person-options", "autocomplete": "off", "hx-get": reverse_lazy("org:person_lookup"),
            "hx-trigger": "input changed delay:250ms", "hx-target": "#person-options",
        }),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.POINTS)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2,
        help_text=_("Positive adds, negative (with a minus sign) deducts."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    credit_type = forms.ChoiceField(
        label=_("Credit type"), required=False, choices=[("", _("(not for points)")), *CreditType.choices],
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The learner sees it in their history."),
    )
    evidence = _evidence_field()


class BulkUploadForm(forms.Form):
    file = forms.FileField(label=_("Adjustment file"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))


class BulkSubmitForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the whole batch"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For the approver; each row keeps its own reason for the learner."),
    )
    evidence = _evidence_field()


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=REASON_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class RejectionForm(forms.Form):
    note = forms.CharField(label=_("Why it is rejected"), max_length=REASON_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}))


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this entry?"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say what happened and what you expected; a reviewer replies."),
    )


class AppealAcceptForm(forms.Form):
    resolution = forms.ChoiceField(label=_("Resolution"), choices=AppealResolution.choices,
                                   widget=forms.RadioSelect, initial=AppealResolution.REVERSAL)
    amount = forms.DecimalField(label=_("Extra award"), required=False, min_value=0, max_digits=14, decimal_places=2,
                                help_text=_("Only for an extra award: how much, in the entry's currency."),
                                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))
    reply = forms.CharField(label=_("Reply to the learner"), max_length=TEXT_MAX,
                            widget=forms.Textarea(attrs={"rows": 3}))


class AppealRejectForm(forms.Form):
    reply = forms.CharField(label=_("Reply to the learner"), max_length=TEXT_MAX,
                            widget=forms.Textarea(attrs={"rows": 3}))
