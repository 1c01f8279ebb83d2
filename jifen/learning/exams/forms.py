from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.learning.exams.models import Question, QuestionKind, Quiz
from jifen.learning.exams.selectors import LETTERS

TRUE_WORDS = {"true", "t", "yes", "y", "对", "正确", "是", "√", "✓"}
FALSE_WORDS = {"false", "f", "no", "n", "错", "错误", "否", "×", "✗"}


def parse_answer(kind: str, text: str) -> list:
    """The correct answer as typed by an admin: letters for choices ("B", "A,C"), true / false
    (对 / 错), or accepted answers one per line for fill-in."""
    text = (text or "").strip()
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        letters = [c for c in text.upper() if c.isalpha()]
        if any(c not in LETTERS for c in letters):
            raise forms.ValidationError(_("Use option letters such as A or A,C."))
        return [LETTERS.index(c) for c in letters]
    if kind == QuestionKind.TRUE_FALSE:
        word = text.lower()
        if word in TRUE_WORDS:
            return [True]
        if word in FALSE_WORDS:
            return [False]
        raise forms.ValidationError(_("Answer true or false (对 / 错)."))
    return [line.strip() for line in text.splitlines() if line.strip()]


def answer_text(question: Question) -> str:
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return ",".join(LETTERS[i] for i in question.answer)
    if question.kind == QuestionKind.TRUE_FALSE:
        return "对" if question.answer == [True] else "错"
    return "\n".join(question.answer)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    options = forms.CharField(
        label=_("Options"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Choice questions: one option per line; they are lettered A, B, C… in this order."))
    answer = forms.CharField(
        label=_("Correct answer"), widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Choices: the letters (B, or A,C); true or false: 对 or 错; fill-in: every accepted answer, "
                    "one per line (case and spaces are ignored)."))
    explanation = forms.CharField(label=_("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=100, initial=1)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @classmethod
    def for_question(cls, question: Question, data=None):
        initial = {"kind": question.kind, "text": question.text, "options": "\n".join(question.options),
                   "answer": answer_text(question), "explanation": question.explanation,
                   "points": question.points, "is_active": question.is_active}
        return cls(data, initial=initial)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind and "answer" in data:
            try:
                data["answer_value"] = parse_answer(kind, data["answer"])
            except forms.ValidationError as error:
                self.add_error("answer", error)
        data["option_list"] = [line.strip() for line in (data.get("options") or "").splitlines() if line.strip()]
        return data


class QuizForm(forms.ModelForm):
    class Meta:
        model = Quiz
        fields = ["title", "kind", "selection", "questions", "random_count", "shuffle_questions", "shuffle_options",
                  "time_limit_minutes", "max_attempts", "pass_mark", "show_answers", "is_active"]
        widgets = {"questions": forms.CheckboxSelectMultiple}

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questions"].queryset = Question.objects.filter(course=course, is_active=True).order_by("pk")
        self.fields["pass_mark"].max_value = 100
        self.fields["pass_mark"].widget.attrs["max"] = 100


class QuestionImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        help_text=_("Columns: type (单选/多选/判断/填空), question, options (one per line or separated by |), "
                    "answer, explanation, points."))
