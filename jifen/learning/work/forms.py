from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.catalog.models import Course
from jifen.learning.work.models import ClaimKind, ContributionKind
from jifen.learning.work.selectors import sessions_run_by
from jifen.learning.work.services import NOTE_MAX, TEXT_MAX
from jifen.ledger.adjustments import EVIDENCE_SUFFIXES
from jifen.org.permissions import Perm

FILE_ACCEPT = ",".join(EVIDENCE_SUFFIXES)
FILE_HELP = _("A PDF, image, Word, Excel or text file of at most 10 MB.")


def _file(label, *, required: bool, help_text=FILE_HELP):
    return forms.FileField(label=label, required=required, help_text=help_text,
                           widget=forms.ClearableFileInput(attrs={"accept": FILE_ACCEPT}))


class SessionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.starts_at:%Y-%m-%d} {obj.display_title}"


class AssignmentForm(forms.Form):
    session = SessionChoice(label=_("Session"), queryset=None, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    instructions = forms.CharField(label=_("Instructions"), required=False, max_length=TEXT_MAX,
                                   widget=forms.Textarea(attrs={"rows": 5}))
    due_at = forms.DateTimeField(label=_("Due"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                 help_text=_("Hand-ins after this moment (server clock) are late."))

    def __init__(self, *args, access, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions_run_by(access).select_related("course").order_by("-starts_at")
        if access.scope(Perm.CATALOG_MANAGE).everything:
            self.fields["course"] = forms.ModelChoiceField(
                label=_("Or a whole course"), queryset=Course.objects.filter(is_active=True), required=False,
                help_text=_("Homework for every session of the course; leave the session empty."))
        else:
            self.fields["session"].required = True


class SubmissionForm(forms.Form):
    text = forms.CharField(label=_("Your answer"), required=False, max_length=TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": 8}))
    file = _file(_("File"), required=False)


class GradeForm(forms.Form):
    score = forms.DecimalField(label=_("Score"), min_value=0, max_value=100, decimal_places=1,
                               widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}))
    comment = forms.CharField(label=_("Comment"), required=False, max_length=NOTE_MAX,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ClaimForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ClaimKind.choices, widget=forms.RadioSelect,
                             initial=ClaimKind.COURSE)
    title = forms.CharField(label=_("Course or certificate"), max_length=200)
    provider = forms.CharField(label=_("Provider"), max_length=200)
    completed_on = forms.DateField(label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(label=_("Hours"), min_value=0, max_digits=6, decimal_places=1,
                               widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}))
    credits_requested = forms.DecimalField(label=_("Credits requested"), min_value=0, max_digits=6, decimal_places=1,
                                           widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}))
    points_requested = forms.DecimalField(label=_("Points requested"), min_value=0, max_digits=8, decimal_places=0,
                                          widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric"}))
    evidence = _file(_("Evidence"), required=True,
                     help_text=_("The certificate or another proof: a PDF, image, Word, Excel or text file of at "
                                 "most 10 MB."))


class ContributionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContributionKind.choices, widget=forms.RadioSelect)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5}))
    evidence = _file(_("Evidence"), required=True,
                     help_text=_("The slides, the case, the course outline or another proof: a PDF, image, Word, "
                                 "Excel or text file of at most 10 MB."))


class ClaimApproveForm(forms.Form):
    credits = forms.DecimalField(label=_("Credits granted"), min_value=0, max_digits=6, decimal_places=1,
                                 widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}))
    points = forms.DecimalField(label=_("Points granted"), min_value=0, max_digits=8, decimal_places=0,
                                widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric"}))
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(forms.Form):
    note = forms.CharField(label=_("Reason"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("The learner reads it."))
