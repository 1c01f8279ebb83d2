"""The tracking report as documents: a PDF for management (WeasyPrint, Noto CJK, bar charts drawn in
the page itself so it needs no script) and an Excel workbook with the data behind each level."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jifen.core.spreadsheets import Book
from jifen.tracking.followup.models import Plan
from jifen.tracking.instruments.models import Dimension
from jifen.tracking.reports.selectors import plan_report


def file_stem(plan: Plan) -> str:
    """A file name for the plan's report: its id and name, without characters file systems refuse."""
    safe = "".join(c for c in plan.name if c not in '\\/:*?"<>|\r\n\t').strip() or "plan"
    return f"{plan.pk}-{safe[:80]}"


def _bars(items: list[tuple[str, float | None]], *, maximum: float | None = None) -> list[dict]:
    """Rows for a bar chart drawn with widths in %, for the PDF."""
    values = [v for _label, v in items if v is not None]
    top = maximum or (max(values) if values else 0) or 1
    return [{"label": label, "value": value, "width": 0 if value is None else max(0, min(100, 100 * float(value)
                                                                                      / float(top)))}
            for label, value in items]


def pdf_context(report: dict) -> dict:
    level1, level2, level3 = report["level1"], report["level2"], report["level3"]
    return {
        "report": report,
        "goal_bars": [(goal, _bars([(_("Baseline"), goal.baseline), (_("This training"), goal.current)],
                                   maximum=100)) for goal in report["goals"]],
        "question_bars": _bars([(q["text"], q["average"]) for q in level1["questions"]], maximum=5),
        "grade_bars": _bars([(g["label"], g["count"]) for g in level2["grades"]]),
        "rating_bars": _bars([(str(r["label"]), r["count"]) for r in level3["ratings"]]),
        "dimension_bars": _bars([(str(d["label"]), d["average"]) for d in level3["evaluations"]["dimensions"]],
                                maximum=5),
    }


def report_pdf(plan: Plan, *, language: str | None = None, report: dict | None = None) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango takes a moment

    with translation.override(language or translation.get_language()):
        report = report or plan_report(plan)
        html = render_to_string("tracking_reports/report_pdf.html", pdf_context(report))
    return HTML(string=html).write_pdf()


def report_xlsx(plan: Plan, *, language: str | None = None, report: dict | None = None) -> bytes:
    with translation.override(language or translation.get_language()):
        return _workbook(report or plan_report(plan))


def _yes_no(value) -> str:
    return "" if value is None else (_("yes") if value else _("no"))


def _workbook(report: dict) -> bytes:
    plan, level1, level2, level3, level4 = (report["plan"], report["level1"], report["level2"], report["level3"],
                                            report["level4"])
    book = Book()
    progress = report["progress"]
    overview = [
        (_("Tracking plan"), plan.name), (_("Organised by"), plan.org_unit.name),
        (_("Training began"), report["training_start"]), (_("Training ended"), plan.ended_on),
        (_("Learners"), report["learners"]), (_("Sessions"), report["sessions"]),
        (_("Follow-up tasks done"), f"{progress.done} / {progress.total}"), (_("Overdue tasks"), progress.overdue),
        (_("Baseline period"), f"{report['baseline']['start']:%Y-%m-%d} – {report['baseline']['end']:%Y-%m-%d}"),
        (_("Report made"), report["generated_at"]),
    ]
    book.sheet(_("Overview"), [_("Item"), _("Value")], overview, widths=[24, 60])
    book.sheet(_("Goals"), [_("Goal"), _("Target"), _("This training"), _("Baseline"), pgettext("report", "Change"), _("Met"),
                            _("Baseline basis")],
               [(g.label, g.goal_text, g.current, g.baseline, g.change, _yes_no(g.met), g.basis)
                for g in report["goals"]])
    book.sheet(_("L1 Reaction"), [_("Survey"), _("Question"), _("Answers"), _("Average (1-5)"), _("Satisfied %")],
               [(q["survey"], q["text"], q["count"], q["average"], q["satisfied"]) for q in level1["questions"]]
               + [(g["activity"].display_title, _("Fewer than 3 answers: hidden"), g["count"], None, None)
                  for g in level1["hidden"]])
    book.sheet(_("L2 Learning"), [_("Employee no."), _("Name"), _("Department"), _("Score"),
                                  _("Score before training"), _("Improvement"), _("Grade"), _("Taken on")],
               [(r.person.employee_no, r.person.name, r.person.org_unit.name, r.score, r.pre_score, r.improvement,
                 r.get_grade_display(), r.taken_on) for r in level2["results"]])
    book.sheet(_("L3 Evaluations"), [_("Employee no."), _("Name")] + [str(d.label) for d in Dimension],
               [(row["person"].employee_no, row["person"].name, *(row[d.value] for d in Dimension))
                for row in level3["evaluations"]["rows"]])
    book.sheet(_("L3 Behaviour"), [_("Rating"), _("Observations"), _("Share %")],
               [(str(r["label"]), r["count"], r["share"]) for r in level3["ratings"]]
               + [(_("Application cases"), level3["cases"], None),
                  (_("Confirmed by the manager"), level3["cases_confirmed"], None),
                  (_("Learners with a case"), level3["case_people"], level3["case_share"])])
    measures = [(m.org_unit.name, m.name, m.unit, m.baseline, m.current,
                 None if m.change_percent is None else round(m.change_percent, 1), _yes_no(m.improved),
                 m.baseline_period, m.current_period, m.note, m.entered_by.get_username())
                for m in level4["measures"]]
    book.sheet(_("L4 Results"), [_("Department"), _("Measure"), _("Unit"), _("Before"), _("After"), _("Change %"),
                                 _("Improved"), _("Before (period)"), _("After (period)"), _("Note"), _("Entered by")],
               measures)
    if level4["cost"] is not None:
        book.sheet(_("ROI"), [_("Training cost (yuan)"), _("Money benefit (yuan)"), _("ROI %"),
                              _("Cost per learner (yuan)"), _("How the benefit was estimated")],
                   [(level4["cost"], level4["benefit"], level4["roi"], level4["cost_per_learner"],
                     report["settings"].benefit_basis)])
    settings = report["settings"]
    book.sheet(_("Problems and suggestions"), [_("Problem"), _("Suggestion")],
               [(p["problem"], p["suggestion"]) for p in report["problems"]]
               + ([(settings.problems, settings.suggestions)] if settings.problems or settings.suggestions else [])
               + ([(_("Overall assessment"), settings.conclusion)] if settings.conclusion else []),
               widths=[60, 60])
    return book.bytes()
