"""Learning facts (the `learning` context of ARCHITECTURE.md), one Django app per kind of fact so each
owns its tables and migrations: attendance, study, exams, work (homework, contributions, self-study
claims) and integrity (box-ticking cases). Facts become rule events; nothing here writes balances."""
