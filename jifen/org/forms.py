from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jifen.org.models import OrgUnit, Person, Position, Role


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name_path


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.employee_no})"


class UnitCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgUnit.Kind.choices, initial=OrgUnit.Kind.DEPARTMENT)
    code = forms.CharField(label=_("Code"), max_length=50, required=False)
    parent = UnitChoiceField(label=_("Parent unit"), queryset=OrgUnit.objects.none(), required=False,
                             empty_label=_("(top level)"))

    def __init__(self, *args, units=None, require_parent=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = units if units is not None else OrgUnit.objects.none()
        self.fields["parent"].required = require_parent


class UnitRenameForm(forms.Form):
    name = forms.CharField(label=_("New name"), max_length=100)


class UnitMoveForm(forms.Form):
    parent = UnitChoiceField(label=_("Move under"), queryset=OrgUnit.objects.none(), required=False,
                             empty_label=_("(top level)"))

    def __init__(self, *args, units=None, require_parent=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = units if units is not None else OrgUnit.objects.none()
        self.fields["parent"].required = require_parent


class PositionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(label=_("Code"), max_length=50, required=False)
    job_level = forms.CharField(label=_("Job level"), max_length=20, required=False)
    annual_credit_target = forms.DecimalField(label=_("Annual credit target"), min_value=0, max_value=100000,
                                              decimal_places=1, initial=0)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class PersonForm(forms.Form):
    employee_no = forms.CharField(label=_("Employee / student number"), max_length=32)
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=100)
    org_unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none())
    position = forms.ModelChoiceField(label=_("Position"), queryset=Position.objects.none(), required=False)
    manager = PersonChoiceField(label=_("Manager"), queryset=Person.objects.none(), required=False,
                                help_text=_("Type to search by number or name."))
    hire_date = forms.DateField(label=_("Hire date"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Status"), choices=Person.Status.choices, initial=Person.Status.ACTIVE)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, *args, units, managers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units
        self.fields["position"].queryset = Position.objects.filter(is_active=True).order_by("name")
        self.fields["manager"].queryset = managers
        # The manager list can be the whole company: pick by number instead of a huge <select>.
        self.fields["manager"].widget = forms.TextInput(attrs={
            "list": "manager-options", "autocomplete": "off", "hx-get": reverse_lazy("org:person_lookup"),
            "hx-trigger": "input changed delay:250ms", "hx-target": "#manager-options",
        })
        self.fields["manager"].to_field_name = "employee_no"


class SetPasswordForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput, min_length=8)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    scope = UnitChoiceField(label=_("Scope"), queryset=OrgUnit.objects.none(), required=False,
                            empty_label=_("(whole organisation)"))

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = units


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.SearchInput(attrs={"placeholder": _("Number, name, e-mail or phone")}))
    unit = UnitChoiceField(label=_("Org unit"), queryset=OrgUnit.objects.none(), required=False,
                           empty_label=_("All units"))
    position = forms.ModelChoiceField(label=_("Position"), queryset=Position.objects.none(), required=False,
                                      empty_label=_("All positions"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *Person.Status.choices])

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["position"].queryset = Position.objects.order_by("name")
