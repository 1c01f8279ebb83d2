"""Question bank per course, quizzes and exams drawn from it, and learners' attempts.

An attempt keeps a snapshot of what the learner was shown (which questions, in which order,
with which option order), so grading never depends on later edits of the bank."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "truefalse", _("True or false")
    FILL = "fill", _("Fill in the blank")


class Question(models.Model):
    course = models.ForeignKey("catalog.Course", verbose_name=_("course"), on_delete=models.PROTECT,
                               related_name="questions")
    kind = models.CharField(_("type"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    text = models.TextField(_("question"))
    # Choice questions: the options as shown; true/false questions have none (the answer is true or false).
    options = models.JSONField(_("options"), default=list, blank=True)
    # Choice: indexes of the correct options; true/false: [true] or [false]; fill-in: accepted answers.
    answer = models.JSONField(_("correct answer"), default=list)
    explanation = models.TextField(_("explanation"), blank=True)
    points = models.PositiveSmallIntegerField(_("points"), default=1)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["course_id", "pk"]
        constraints = [models.CheckConstraint(condition=Q(points__gt=0), name="exams_question_points_positive")]

    def __str__(self) -> str:
        return self.text[:60]


class QuizKind(models.TextChoices):
    QUIZ = "quiz", _("Quiz")
    EXAM = "exam", _("Exam")
    PRETEST = "pretest", _("Pre-test")


class Quiz(models.Model):
    class Selection(models.TextChoices):
        FIXED = "fixed", _("A fixed list of questions")
        RANDOM = "random", _("Random questions from the bank")

    course = models.ForeignKey("catalog.Course", verbose_name=_("course"), on_delete=models.PROTECT,
                               related_name="quizzes")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=QuizKind.choices, default=QuizKind.QUIZ)
    selection = models.CharField(_("questions"), max_length=10, choices=Selection.choices, default=Selection.FIXED)
    questions = models.ManyToManyField(Question, verbose_name=_("fixed questions"), blank=True, related_name="+")
    random_count = models.PositiveSmallIntegerField(
        _("number of random questions"), null=True, blank=True,
        help_text=_("With random questions: how many to draw from the course's bank."))
    shuffle_questions = models.BooleanField(_("shuffle the questions"), default=True)
    shuffle_options = models.BooleanField(_("shuffle the options"), default=True)
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit (minutes)"), null=True, blank=True,
                                                          help_text=_("Empty: no time limit."))
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), null=True, blank=True,
                                                    help_text=_("Empty: no limit."))
    pass_mark = models.PositiveSmallIntegerField(_("pass mark"), default=60, help_text=_("Out of 100."))
    show_answers = models.BooleanField(_("show the correct answers after submission"), default=True)
    is_active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        ordering = ["course_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="exams_quiz_pass_mark_max_100"),
            models.CheckConstraint(condition=Q(selection="fixed") | Q(random_count__gt=0),
                                   name="exams_quiz_random_count_set"),
            models.CheckConstraint(condition=Q(max_attempts__isnull=True) | Q(max_attempts__gt=0),
                                   name="exams_quiz_max_attempts_positive"),
            models.CheckConstraint(condition=Q(time_limit_minutes__isnull=True) | Q(time_limit_minutes__gt=0),
                                   name="exams_quiz_time_limit_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class Attempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        TIMED_OUT = "timed_out", _("Closed when time ran out")

    quiz = models.ForeignKey(Quiz, verbose_name=_("quiz"), on_delete=models.PROTECT, related_name="attempts")
    person = models.ForeignKey("org.Person", verbose_name=_("person"), on_delete=models.PROTECT,
                               related_name="quiz_attempts")
    number = models.PositiveSmallIntegerField(_("attempt"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # [{"id": question id, "options": [original option index, ...] in the order shown}, ...]
    paper = models.JSONField(_("questions shown"), default=list)
    # {"<question id>": [chosen original indexes] | [true/false] | ["typed text"]}
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    previous_score = models.DecimalField(_("baseline score"), max_digits=5, decimal_places=1, null=True, blank=True)
    event_key = models.CharField(_("event key"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "person", "number"], name="exams_attempt_number_once"),
            models.UniqueConstraint(fields=["quiz", "person"], condition=Q(status="in_progress"),
                                    name="exams_attempt_one_open"),
            models.CheckConstraint(condition=Q(status="in_progress") | Q(submitted_at__isnull=False, score__isnull=False),
                                   name="exams_attempt_closed_has_score"),
        ]
        indexes = [models.Index(fields=["person", "status"], name="exams_attempt_person_status")]

    def __str__(self) -> str:
        return f"{self.quiz_id} #{self.number} · {self.person_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.IN_PROGRESS
