from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.tracking.instruments.models import Dimension, FormKind, FormVersion, QuestionKind

LIKERT = [1, 2, 3, 4, 5]


class FormForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=FormKind.choices)
    anonymous = forms.BooleanField(label=_("Anonymous"), required=False,
                                   help_text=_("Answers are stored with no link to the person who gave them; "
                                               "results show only for groups of 3 or more."))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("Question"), max_length=500)
    help_text = forms.CharField(label=_("Explanation"), max_length=500, required=False)
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    min_value = forms.DecimalField(label=_("Lowest score"), required=False)
    max_value = forms.DecimalField(label=_("Highest score"), required=False)
    options = forms.CharField(label=_("Choices or rows"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("One per line: the choices of a choice question, the rows of a matrix."))
    dimension = forms.ChoiceField(label=_("Dimension (360)"), choices=[("", "—"), *Dimension.choices],
                                  required=False)


def answers_from_post(version: FormVersion, data) -> dict:
    """The raw answers of a posted form, by question id (checked by the services)."""
    answers = {}
    for question in version.questions.all():
        name = f"q{question.pk}"
        if question.kind == QuestionKind.MULTIPLE:
            answers[question.pk] = data.getlist(name)
        elif question.kind == QuestionKind.MATRIX:
            answers[question.pk] = {str(i): data.get(f"{name}_{i}", "") for i in range(len(question.options))}
        else:
            answers[question.pk] = data.get(name, "")
    return answers


def questions_with_values(version: FormVersion, values: dict, errors: dict) -> list:
    """The version's questions, each with what was entered (to show a refused form again) and its error."""
    questions = list(version.questions.order_by("position", "pk"))
    for question in questions:
        value = values.get(question.pk)
        question.error = errors.get(question.pk, "")
        question.value = "" if value is None else value
        question.scale = LIKERT
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            chosen = {str(v) for v in (value if isinstance(value, list) else [value])}
            question.choices = [(str(i), label, str(i) in chosen) for i, label in enumerate(question.options)]
        if question.kind == QuestionKind.MATRIX:
            given = value if isinstance(value, dict) else {}
            question.rows = [(str(i), label, str(given.get(str(i), ""))) for i, label in enumerate(question.options)]
    return questions
