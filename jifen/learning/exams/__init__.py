"""Question bank, quizzes and exams, attempts and grading."""
