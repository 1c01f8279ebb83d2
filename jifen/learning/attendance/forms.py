from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.learning.attendance.models import AttendanceStatus, ParticipationLevel
from jifen.learning.attendance.services import REASON_MAX


class MarkForm(forms.Form):
    status = forms.ChoiceField(label=_("Attendance"), choices=AttendanceStatus.choices)
    reason = forms.CharField(label=_("Leave reason"), max_length=REASON_MAX, required=False,
                             help_text=_("Needed for an excused absence."))


class ParticipationForm(forms.Form):
    level = forms.ChoiceField(label=_("Participation"), choices=ParticipationLevel.choices)


class MakeUpForm(forms.Form):
    assignment = forms.CharField(label=_("What to study"), max_length=300,
                                 help_text=_("A course code or the lesson's name."))
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Attendance file"),
        help_text=_("An .xlsx or .csv file with the columns employee_no (工号), status (状态) and reason (原因)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    check_only = forms.BooleanField(label=_("Only check the file, import nothing"), required=False)
