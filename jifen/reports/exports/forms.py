from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.ledger.models import Currency, EntryKind
from jifen.org.models import OrgUnit
from jifen.reports.exports.models import ReportKind


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return dt.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from None


class MonthlyReportForm(forms.Form):
    month = MonthField(label=_("Month"))
    unit = forms.ModelChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none(), required=False,
                                  empty_label=_("Whole organisation"))
    kind = forms.ChoiceField(label=_("Format"), choices=ReportKind.choices, initial=ReportKind.MONTHLY_XLSX)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda unit: unit.name_path


class LedgerFilterForm(forms.Form):
    """The ledger search page's filters (``ledger:search``)."""

    q = forms.CharField(required=False)
    rule = forms.CharField(required=False)
    kind = forms.ChoiceField(required=False, choices=[("", ""), *EntryKind.choices])
    currency = forms.ChoiceField(required=False, choices=[("", ""), *Currency.choices])
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)
