"""Question banks and quizzes over the API: create, edit, import."""

from ninja import Router

router = Router(tags=["question banks and quizzes"])
