from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.catalog.models import Course
from jifen.rules.models import EventType


class VerbMappingForm(forms.Form):
    verb = forms.CharField(label=_("Verb IRI"), max_length=1000,
                           widget=forms.TextInput(attrs={"placeholder": "http://adlnet.gov/expapi/verbs/completed"}))
    event_type = forms.ChoiceField(label=_("Event type"), choices=EventType.choices)


class ActivityMappingForm(forms.Form):
    activity = forms.CharField(label=_("Activity IRI"), max_length=1000,
                               widget=forms.TextInput(attrs={"placeholder": "https://lms.example.com/course/42"}))
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.order_by("code"))
