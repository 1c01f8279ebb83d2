from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jifen.catalog.models import Session
from jifen.org.models import Person
from jifen.org.permissions import Access, Perm
from jifen.tracking.followup.models import ActivityKind, Audience, OffsetUnit, Plan, PlanTemplate
from jifen.tracking.instruments.models import Form


def session_label(session: Session) -> str:
    return f"{session.display_title} · {timezone.localtime(session.starts_at):%Y-%m-%d} · {session.org_unit.name}"


class SessionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return session_label(obj)


class PlanForm(forms.Form):
    session = SessionChoice(label=_("Session"), queryset=Session.objects.none())
    template = forms.ModelChoiceField(label=_("Template"), queryset=PlanTemplate.objects.all())
    name = forms.CharField(label=_("Name"), max_length=200, required=False,
                           help_text=_("Leave empty to use the session's title and date."))

    def __init__(self, *args, access: Access, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = (
            Session.objects.filter(org_unit__in=access.units(Perm.TRACKING_MANAGE).values("pk"),
                                   status=Session.Status.PLANNED)
            .exclude(pk__in=Plan.objects.filter(session__isnull=False).values("session_id"))
            .select_related("course", "org_unit").order_by("-ends_at", "-pk"))


class TemplateForm(forms.ModelForm):
    class Meta:
        model = PlanTemplate
        fields = ["name", "description", "plan_due_working_days", "manager_weight", "peers_weight", "self_weight",
                  "excellent_from", "good_from", "pass_from"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def _post_clean(self):
        # The service checks the template (weights add up to 100, thresholds in order) and saves it.
        pass


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Activity"), choices=ActivityKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    offset = forms.IntegerField(label=_("After the training ends"), min_value=0, max_value=1000, initial=1)
    offset_unit = forms.ChoiceField(label=_("Unit"), choices=OffsetUnit.choices, initial=OffsetUnit.WEEKS)
    repeat = forms.IntegerField(label=_("Times"), min_value=1, max_value=24, initial=1,
                                help_text=_("Repeated at the same interval, e.g. monthly observations 3 times."))
    audiences = forms.MultipleChoiceField(label=_("Who does it"), choices=Audience.choices,
                                          widget=forms.CheckboxSelectMultiple)
    form = forms.ModelChoiceField(label=_("Form"), queryset=Form.objects.all(), required=False,
                                  help_text=_("The form to answer (surveys and evaluations)."))


class TestResultForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Learner"), queryset=Person.objects.none())
    score = forms.DecimalField(label=_("Score"), min_value=0, max_value=100, decimal_places=2)
    pre_score = forms.DecimalField(label=_("Score before training"), min_value=0, max_value=100, decimal_places=2,
                                   required=False)
    taken_on = forms.DateField(label=_("Taken on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, learners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.filter(pk__in=[p.pk for p in learners]).order_by(
            "employee_no")
        self.fields["person"].label_from_instance = lambda p: f"{p.name} ({p.employee_no})"


class ProgrammePlanForm(forms.Form):
    name = forms.CharField(label=_("Programme name"), max_length=200)
    sessions = forms.ModelMultipleChoiceField(label=_("Sessions"), queryset=Session.objects.none(),
                                              widget=forms.CheckboxSelectMultiple)
    template = forms.ModelChoiceField(label=_("Template"), queryset=PlanTemplate.objects.all())

    def __init__(self, *args, access: Access, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sessions"].queryset = (
            Session.objects.filter(org_unit__in=access.units(Perm.TRACKING_MANAGE).values("pk"),
                                   status=Session.Status.PLANNED)
            .select_related("course", "org_unit").order_by("-ends_at", "-pk"))
        self.fields["sessions"].label_from_instance = session_label


class PeerForm(forms.Form):
    subject = forms.ModelChoiceField(label=_("Learner"), queryset=Person.objects.none())
    peer = forms.ModelChoiceField(label=_("Peer who evaluates"), queryset=Person.objects.none())

    def __init__(self, *args, learners, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = Person.objects.filter(pk__in=[p.pk for p in learners]).order_by(
            "employee_no")
        self.fields["peer"].queryset = people.filter(status=Person.Status.ACTIVE).order_by("employee_no")
        for name in ("subject", "peer"):
            self.fields[name].label_from_instance = lambda p: f"{p.name} ({p.employee_no})"
