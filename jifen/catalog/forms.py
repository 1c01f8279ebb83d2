from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.catalog.models import (
    MATERIAL_EXTENSIONS,
    Category,
    Course,
    CourseKind,
    Delivery,
    EnrolmentMode,
    validate_material,
)
from jifen.org.forms import UnitChoiceField
from jifen.org.models import OrgUnit, Person, Position


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name_path


class CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.title}"


class CourseMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.title}"


class PersonNumbersField(forms.CharField):
    """Employee numbers separated by spaces, commas or new lines; resolved by the view within scope."""

    def to_python(self, value):
        value = super().to_python(value) or ""
        return [part for part in value.replace(",", " ").replace("，", " ").split() if part]


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.SearchInput(attrs={"placeholder": _("Title, code or description")}))
    category = CategoryChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False,
                                   empty_label=_("All categories"))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *CourseKind.choices])
    delivery = forms.ChoiceField(label=_("Delivery"), required=False,
                                 choices=[("", _("All deliveries")), *Delivery.choices])


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = CategoryChoiceField(label=_("Parent category"), queryset=Category.objects.all(), required=False,
                                 empty_label=_("(top level)"))


class CourseForm(forms.ModelForm):
    trainers = forms.ModelMultipleChoiceField(
        label=_("Trainers"), queryset=Person.objects.none(), required=False,
        help_text=_("Hold Ctrl (or ⌘) to choose several."))
    prerequisites = CourseMultipleChoiceField(label=_("Prerequisites"), queryset=Course.objects.none(),
                                              required=False)
    category = CategoryChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False,
                                   empty_label=_("(none)"))

    class Meta:
        model = Course
        fields = ["code", "title", "category", "kind", "delivery", "credits", "hours", "difficulty",
                  "recertify_months", "description", "is_active", "trainers", "prerequisites"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, trainers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainers"].queryset = trainers
        others = Course.objects.order_by("code")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        self.fields["prerequisites"].queryset = others

    def validate_unique(self):
        pass  # the service says so, translated, on the code field


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(
        label=_("File"), validators=[validate_material],
        help_text=_("PDF, Office, text, image, video or ZIP files of at most 50 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(MATERIAL_EXTENSIONS)}))


class SessionForm(forms.Form):
    course = CourseChoiceField(label=_("Course"), queryset=Course.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200, required=False,
                            help_text=_("Leave empty to use the course title."))
    org_unit = UnitChoiceField(label=_("Organised by"), queryset=OrgUnit.objects.none())
    trainer = forms.ModelChoiceField(label=_("Trainer"), queryset=Person.objects.none(), required=False)
    starts_at = forms.DateTimeField(label=_("Starts at"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                               format="%Y-%m-%dT%H:%M"))
    ends_at = forms.DateTimeField(label=_("Ends at"),
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                             format="%Y-%m-%dT%H:%M"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, required=False,
                                  help_text=_("Empty: no limit."))
    enrolment_mode = forms.ChoiceField(label=_("Enrolment"), choices=EnrolmentMode.choices,
                                       initial=EnrolmentMode.SELF)
    late_after_minutes = forms.IntegerField(label=_("Late after (minutes)"), min_value=0, initial=10)
    checkin_opens_minutes = forms.IntegerField(label=_("Check-in opens (minutes before)"), min_value=0, initial=30)

    def __init__(self, *args, units, trainers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(is_active=True).order_by("code")
        self.fields["org_unit"].queryset = units
        self.fields["trainer"].queryset = trainers

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("A session must end after it starts."))
        return data


class AssignPeopleForm(forms.Form):
    people = PersonNumbersField(label=_("Employee numbers"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2, "placeholder": "JF0007 JF0010"}),
                                help_text=_("Separated by spaces, commas or new lines."))
    unit = UnitChoiceField(label=_("Everyone in an org unit"), queryset=OrgUnit.objects.none(), required=False,
                           empty_label=_("(none)"))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean(self):
        data = super().clean()
        if not data.get("people") and not data.get("unit"):
            raise forms.ValidationError(_("Name some people or an org unit."))
        return data


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class AssignmentForm(forms.Form):
    course = CourseChoiceField(label=_("Course"), queryset=Course.objects.none())
    target = forms.ChoiceField(label=_("Assign to"), choices=[
        ("unit", _("An org unit (and the units under it)")), ("position", _("A position")),
        ("person", _("One person"))], initial="unit", widget=forms.RadioSelect)
    org_unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none(), required=False)
    position = forms.ModelChoiceField(label=_("Position"), queryset=Position.objects.none(), required=False)
    employee_no = forms.CharField(label=_("Employee / student number"), max_length=32, required=False)
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, units, positions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = Course.objects.filter(is_active=True).order_by("code")
        self.fields["org_unit"].queryset = units
        self.fields["position"].queryset = positions

    def clean(self):
        data = super().clean()
        needed = {"unit": "org_unit", "position": "position", "person": "employee_no"}.get(data.get("target"))
        if needed and not data.get(needed):
            self.add_error(needed, _("This field is required."))
        return data


class PolicyForm(forms.Form):
    required_share_percent = forms.DecimalField(
        label=_("Minimum share from required courses (%)"), min_value=0, max_value=100, max_digits=5,
        decimal_places=1)


class GapFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.SearchInput(attrs={"placeholder": _("Number or name")}))
    unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none(), required=False,
                           empty_label=_("All units"))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
