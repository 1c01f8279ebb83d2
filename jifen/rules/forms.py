from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.catalog.models import CourseKind, Delivery
from jifen.ledger.models import Currency, ExpiryPolicy
from jifen.rules.models import AmountMode, CreditSource, EventType

PASSED_CHOICES = [("", _("Any result")), ("yes", _("Passed (score ≥ pass mark)")), ("no", _("Below the pass mark"))]


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").replace("\n", ",").split(",") if part.strip()]


class RuleForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=60, help_text=_("Letters, digits and “-”; never changes."))
    name = forms.CharField(label=_("Name shown to learners"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    event_type = forms.ChoiceField(label=_("When this happens"), choices=EventType.choices)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    amount = forms.DecimalField(label=_("Amount"), max_digits=10, decimal_places=2,
                                help_text=_("Negative for a deduction."))
    amount_mode = forms.ChoiceField(label=_("How the amount is counted"), choices=AmountMode.choices)
    score_step = forms.DecimalField(label=_("Score step"), max_digits=6, decimal_places=2, min_value=0.01, initial=10,
                                    help_text=_("For “per step of score improvement”."))
    multiply_by_difficulty = forms.BooleanField(label=_("Multiply by the course's difficulty"), required=False)
    credit_source = forms.ChoiceField(label=_("Credit type"), choices=CreditSource.choices,
                                      initial=CreditSource.FROM_COURSE)
    course_kinds = forms.MultipleChoiceField(label=_("Only course kinds"), choices=CourseKind.choices, required=False,
                                             widget=forms.CheckboxSelectMultiple)
    deliveries = forms.MultipleChoiceField(label=_("Only deliveries"), choices=Delivery.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    course_categories = forms.CharField(label=_("Only course categories"), required=False,
                                        help_text=_("Comma-separated."))
    course_codes = forms.CharField(label=_("Only courses"), required=False, help_text=_("Course codes, comma-separated."))
    units = forms.CharField(label=_("Only people in units"), required=False,
                            help_text=_("Unit paths such as 总部/研发中心, comma-separated; units below count too."))
    positions = forms.CharField(label=_("Only positions"), required=False, help_text=_("Position codes, comma-separated."))
    min_score = forms.DecimalField(label=_("Minimum score"), required=False, max_digits=6, decimal_places=2)
    max_score = forms.DecimalField(label=_("Maximum score"), required=False, max_digits=6, decimal_places=2)
    passed = forms.ChoiceField(label=_("Exam result"), choices=PASSED_CHOICES, required=False)
    cap_day = forms.DecimalField(label=_("Cap per day"), required=False, min_value=0, max_digits=10, decimal_places=2)
    cap_week = forms.DecimalField(label=_("Cap per week"), required=False, min_value=0, max_digits=10, decimal_places=2)
    cap_month = forms.DecimalField(label=_("Cap per month"), required=False, min_value=0, max_digits=10,
                                   decimal_places=2)
    cap_year = forms.DecimalField(label=_("Cap per year"), required=False, min_value=0, max_digits=10, decimal_places=2)
    once_per_course = forms.BooleanField(label=_("Once per course"), required=False)
    cooldown_minutes = forms.IntegerField(label=_("Cooldown between identical events (minutes)"), min_value=0,
                                          initial=0)
    expiry_policy = forms.ChoiceField(label=_("Expiry"), required=False,
                                      choices=[("", _("The currency's policy")), *ExpiryPolicy.choices])
    expiry_months = forms.IntegerField(label=_("Expiry months"), min_value=0, max_value=120, initial=12)
    active_from = forms.DateTimeField(label=_("Active from"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    active_to = forms.DateTimeField(label=_("Active until"), required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].required = False

    def clean(self):
        data = super().clean()
        if data.get("amount") == 0:
            self.add_error("amount", _("The amount cannot be zero."))
        start, end = data.get("active_from"), data.get("active_to")
        if start and end and end <= start:
            self.add_error("active_to", _("The end must come after the start."))
        return data

    def version_fields(self) -> dict:
        data = self.cleaned_data
        conditions = {}
        for key in ("course_kinds", "deliveries"):
            if data.get(key):
                conditions[key] = list(data[key])
        for key in ("course_categories", "course_codes", "units", "positions"):
            if data.get(key):
                conditions[key] = _split(data[key])
        for key in ("min_score", "max_score"):
            if data.get(key) is not None:
                conditions[key] = float(data[key])
        if data.get("passed"):
            conditions["passed"] = data["passed"] == "yes"
        fields = {name: data.get(name) for name in (
            "name", "description", "event_type", "currency", "amount", "amount_mode", "score_step",
            "multiply_by_difficulty", "credit_source", "cap_day", "cap_week", "cap_month", "cap_year",
            "once_per_course", "cooldown_minutes", "expiry_policy", "expiry_months", "active_from", "active_to")}
        fields["description"] = fields["description"] or ""
        fields["expiry_policy"] = fields["expiry_policy"] or ""
        fields["conditions"] = conditions
        return fields

    @staticmethod
    def initial_from(version) -> dict:
        c = version.conditions or {}
        initial = {name: getattr(version, name) for name in (
            "name", "description", "event_type", "currency", "amount", "amount_mode", "score_step",
            "multiply_by_difficulty", "credit_source", "cap_day", "cap_week", "cap_month", "cap_year",
            "once_per_course", "cooldown_minutes", "expiry_policy", "expiry_months", "active_from", "active_to")}
        initial["code"] = version.rule.code
        initial["course_kinds"] = c.get("course_kinds", [])
        initial["deliveries"] = c.get("deliveries", [])
        for key in ("course_categories", "course_codes", "units", "positions"):
            initial[key] = ", ".join(c.get(key, []))
        initial["min_score"] = c.get("min_score")
        initial["max_score"] = c.get("max_score")
        initial["passed"] = "" if "passed" not in c else ("yes" if c["passed"] else "no")
        return initial


class SimulationForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until (not included)"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", _("The end must come after the start."))
        return data


class RulesetImportForm(forms.Form):
    file = forms.FileField(label=_("Ruleset (YAML)"))
    publish = forms.BooleanField(label=_("Put changed rules in force at once (otherwise they are saved as drafts)"),
                                 required=False)
