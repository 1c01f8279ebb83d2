from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.catalog.models import Course
from jifen.ledger.adjustments import EVIDENCE_SUFFIXES
from jifen.org.models import OrgUnit, Person
from jifen.tracking.growth.models import ActionSource, ActionStatus, DevelopmentAction, Rating, SelfReport
from jifen.tracking.growth.services import NOTE_MAX, TEXT_MAX

DATE = {"type": "date"}


def _date(label, **kwargs):
    return forms.DateField(label=label, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"), **kwargs)


def _text(label, *, required=True, rows=4, max_length=TEXT_MAX, **kwargs):
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}), **kwargs)


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} · {obj.employee_no}"


class CourseChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.title}"


def _courses():
    return Course.objects.filter(is_active=True).order_by("code")


class ObservationForm(forms.Form):
    person = PersonChoice(label=_("Person"), queryset=Person.objects.none())
    course = CourseChoice(label=_("Course"), queryset=Course.objects.none())
    observed_on = _date(_("Observed on"))
    skills = _text(_("Skills observed"), rows=3, max_length=2000,
                   help_text=_("One skill the course taught per line, e.g. “asks before proposing”."))
    rating = forms.ChoiceField(label=_("How often"), choices=Rating.choices, widget=forms.RadioSelect)
    feedback = _text(_("Feedback"), help_text=_("The person reads it: what went well, what to work on."))

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people.order_by("employee_no")
        self.fields["course"].queryset = _courses()
        self.fields["observed_on"].initial = timezone.localdate


class CaseForm(forms.Form):
    course = CourseChoice(label=_("Course"), queryset=Course.objects.none())
    title = forms.CharField(label=_("What I applied"), max_length=200)
    applied_on = _date(_("Applied on"))
    situation = _text(_("The situation"), help_text=_("Where and why you used it."))
    effect = _text(_("The effect"), help_text=_("What changed because of it."))
    result = forms.CharField(label=_("Measurable result"), max_length=200, required=False,
                             help_text=_("Optional, e.g. “review time down from 3 days to 1”."))
    evidence = forms.FileField(label=_("Evidence"), required=False,
                               help_text=_("Optional: a PDF, image, Word, Excel or text file of at most 10 MB."),
                               widget=forms.ClearableFileInput(attrs={"accept": ",".join(EVIDENCE_SUFFIXES)}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = _courses()
        self.fields["applied_on"].initial = timezone.localdate


class ReportForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=SelfReport.Period.choices, widget=forms.RadioSelect,
                               initial=SelfReport.Period.MONTH)
    day = _date(_("A day in the month or quarter"))
    course = CourseChoice(label=_("Course"), queryset=Course.objects.none(), required=False,
                          help_text=_("Optional: the course the report is mostly about."))
    achievements = _text(_("What I applied and achieved"))
    difficulties = _text(_("Difficulties and help needed"), required=False, rows=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = _courses()
        self.fields["day"].initial = timezone.localdate


class ConfirmForm(forms.Form):
    comment = _text(_("Comment"), required=False, rows=2, max_length=NOTE_MAX)


class PlanForm(forms.Form):
    start_year = forms.IntegerField(label=_("From year"), min_value=2000, max_value=2100)
    end_year = forms.IntegerField(label=_("To year"), min_value=2000, max_value=2100,
                                  help_text=_("A plan covers one to five years."))
    aspiration = _text(_("Career direction"), required=False, rows=2)
    short_goals = _text(_("Short-term goals (1-2 years)"), required=False, rows=3,
                        help_text=_("One goal per line."))
    long_goals = _text(_("Long-term goals (3-5 years)"), required=False, rows=3, help_text=_("One goal per line."))
    courses = forms.ModelMultipleChoiceField(label=_("Linked courses"), queryset=Course.objects.none(),
                                             required=False, widget=forms.CheckboxSelectMultiple)
    submit = forms.BooleanField(label=_("Send to my manager for agreement"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["courses"].queryset = _courses()


class ActionForm(forms.Form):
    text = forms.CharField(label=_("Action"), max_length=500, required=False)
    due_on = _date(_("Due"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=DevelopmentAction.Status.choices,
                               initial=DevelopmentAction.Status.TODO)

    def clean(self):
        data = super().clean()
        if data.get("text") and not data.get("due_on"):
            self.add_error("due_on", _("Every action needs a due date."))
        return data


ActionFormSet = forms.formset_factory(ActionForm, extra=2, max_num=30)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("agree", _("Agree")), ("return", _("Send back"))],
                                 widget=forms.RadioSelect, initial="agree")
    note = _text(_("Note"), required=False, rows=2, max_length=NOTE_MAX)


class ReviewForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    assessment = _text(_("Manager's assessment"))
    next_steps = _text(_("Next steps"), rows=3)

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        for goal in goals:
            self.fields[f"goal_{goal.pk}"] = forms.CharField(
                label=goal.text, required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("What was achieved towards this goal."))
        self.goals = list(goals)
        self.order_fields(["year", *(f"goal_{goal.pk}" for goal in self.goals), "assessment", "next_steps"])


class ImprovementActionForm(forms.Form):
    title = forms.CharField(label=_("What"), max_length=200)
    description = _text(_("Details"), required=False, rows=3)
    source = forms.ChoiceField(label=_("Source"), choices=ActionSource.choices)
    source_ref = forms.CharField(label=_("Source reference"), max_length=200, required=False,
                                 help_text=_("E.g. the report or the meeting and its date."))
    org_unit = forms.ModelChoiceField(label=_("Responsible unit"), queryset=OrgUnit.objects.none())
    responsible = PersonChoice(label=_("Responsible person"), queryset=Person.objects.none(), required=False)
    deadline = _date(_("Deadline"))
    expected_effect = _text(_("Expected effect"), rows=3)

    def __init__(self, *args, units, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units.filter(archived_at__isnull=True).order_by("path")
        self.fields["org_unit"].label_from_instance = lambda unit: unit.name_path
        self.fields["responsible"].queryset = people.filter(status="active").order_by("employee_no")


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)


class CheckForm(forms.Form):
    checked_on = _date(_("Checked on"))
    result = _text(_("What the check found"), rows=3)
    effective = forms.NullBooleanField(
        label=_("Effective"), widget=forms.Select(choices=[("unknown", _("Not yet known")), ("true", _("Effective")),
                                                            ("false", _("Not effective"))]))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checked_on"].initial = timezone.localdate
