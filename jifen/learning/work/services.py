"""Homework, self-study claims and knowledge contributions: every write, one function per use case.

Homework timing is decided by the server clock at the first hand-in, and the rule event
(``homework.on_time`` +10 / ``homework.late`` -5) is recorded then, with the key
``hw:<assignment>:<person>``. A learner may change the submission until it is graded (the row is
overwritten; the trainer sees how often and whether it changed after the due date), but the event
stays as the first hand-in decided it. Closing an assignment after its due date records
``homework.missing`` for every enrolled learner without a submission, under the same key, so one
person gets exactly one homework event per assignment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.catalog.models import Course, Session
from jifen.core.errors import ApplicationError
from jifen.learning.integrity.models import CaseKind
from jifen.learning.integrity.services import open_case
from jifen.learning.work import selectors
from jifen.learning.work.models import (
    Assignment,
    ClaimKind,
    Contribution,
    ContributionKind,
    Review,
    SelfStudyClaim,
    Submission,
)
from jifen.ledger.adjustments import check_evidence
from jifen.org.models import Person
from jifen.rules.models import AmountMode, EventType, RuleVersion
from jifen.rules.services import EventIn, record_event, record_events

TEXT_MAX = 20_000
NOTE_MAX = 1000
# Short answers ("已完成", "同意") are alike by nature: only longer texts are compared.
IDENTICAL_TEXT_MIN = 20


# ---------------------------------------------------------------- helpers


def _clean(value: str, *, field: str, missing: str | None = None, max_length: int = 200) -> str:
    value = (value or "").strip()
    if not value and missing:
        raise ApplicationError(missing, field=field)
    if len(value) > max_length:
        raise ApplicationError(_("At most %(max)d characters.") % {"max": max_length}, field=field)
    return value


def _checked_file(upload, *, field: str) -> tuple[str, str]:
    """Check an uploaded file like any evidence (size, type sniffed from its bytes); answer its
    original name and SHA-256."""
    try:
        check_evidence(upload)
    except ApplicationError as error:
        raise ApplicationError(error.message, field=field, code=error.code) from error
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    name = PurePath((upload.name or "").replace("\\", "/")).name[:200] or "file"
    return name, digest.hexdigest()


def normalised_text_hash(text: str) -> str:
    """The same words whatever the spacing, punctuation, width or case: SHA-256 of what is left."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    kept = "".join(ch for ch in folded if not (ch.isspace() or unicodedata.category(ch)[0] in "PSZC"))
    if len(kept) < IDENTICAL_TEXT_MIN:
        return ""
    return hashlib.sha256(kept.encode()).hexdigest()


def _note(note: str, *, required: bool, missing: str) -> str:
    return _clean(note, field="note", missing=missing if required else None, max_length=NOTE_MAX)


def _decimal(value, *, field: str, places: int) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(_("Enter a number."), field=field) from exc
    if not number.is_finite() or number < 0:
        raise ApplicationError(_("Enter a number of zero or more."), field=field)
    if number != round(number, places):
        raise ApplicationError(_("At most %(places)d decimal places.") % {"places": places}, field=field)
    return number


def _own(person_id: int, user) -> bool:
    return Person.objects.filter(pk=person_id, user=user).exists() if user is not None else False


def _recorded(result) -> None:
    """An approval stands only if its event was recorded (or had been already)."""
    if result.status == "rejected":
        raise ApplicationError(result.error or _("The event could not be recorded."), code="event_rejected")


def _in_people(people: QuerySet[Person] | None, person_id: int) -> bool:
    return people is None or people.filter(pk=person_id).exists()


# ---------------------------------------------------------------- homework


def assignment_create(*, created_by, title: str, due_at: dt.datetime, session: Session | None = None,
                      course: Course | None = None, instructions: str = "",
                      now: dt.datetime | None = None) -> Assignment:
    """Homework for one session (the usual case) or for every session of a course."""
    now = now or timezone.now()
    title = _clean(title, field="title", missing=_("Give the homework a title."))
    instructions = _clean(instructions, field="instructions", max_length=TEXT_MAX)
    if session is None and course is None:
        raise ApplicationError(_("Choose the session (or the course) this homework belongs to."), field="session")
    if session is not None:
        course = session.course
    if due_at is None:
        raise ApplicationError(_("When is it due?"), field="due_at")
    with transaction.atomic():
        return Assignment.objects.create(course=course, session=session, title=title, instructions=instructions,
                                         due_at=due_at, created_by=created_by, created_at=now)


def identical_to(submission: Submission) -> list[Submission]:
    q = Q(pk__in=[])
    if submission.text_hash:
        q |= Q(text_hash=submission.text_hash)
    if submission.file_sha256:
        q |= Q(file_sha256=submission.file_sha256)
    return list(Submission.objects.filter(q, assignment_id=submission.assignment_id)
                .exclude(person_id=submission.person_id).select_related("person"))


def _open_identical_case(submission: Submission, others: list[Submission], now: dt.datetime) -> None:
    same_text = [o for o in others if submission.text_hash and o.text_hash == submission.text_hash]
    same_file = [o for o in others if submission.file_sha256 and o.file_sha256 == submission.file_sha256]
    what = _("text and file") if same_text and same_file else (_("text") if same_text else _("file"))
    open_case(
        person=submission.person, kind=CaseKind.IDENTICAL_SUBMISSION, key=f"work:identical:{submission.pk}",
        summary=_("Homework “%(title)s”: the %(what)s is identical to %(count)d other submission(s).")
        % {"title": submission.assignment.title, "what": what, "count": len(others)},
        details={"assignment": submission.assignment.title, "assignment_id": submission.assignment_id,
                 "submission_id": submission.pk, "identical_submission_ids": sorted(o.pk for o in others),
                 "same_text": bool(same_text), "same_file": bool(same_file)},
        source=submission, now=now,
    )


def submission_submit(*, assignment: Assignment, person: Person, text: str = "", file=None,
                      now: dt.datetime | None = None) -> Submission:
    """Hand in (or change, until graded) a learner's homework. Identical text or an identical file to
    another person's submission flags both and opens a box-ticking case for each."""
    now = now or timezone.now()
    text = (text or "").strip()
    if len(text) > TEXT_MAX:
        raise ApplicationError(_("At most %(max)d characters.") % {"max": TEXT_MAX}, field="text")
    file_fields = {}
    if file is not None:
        name, sha = _checked_file(file, field="file")
        file_fields = {"file": file, "file_name": name, "file_sha256": sha}
    if not selectors.learners_of(assignment).filter(pk=person.pk).exists():
        raise ApplicationError(_("This homework is for the learners of its session."), code="not_enrolled")
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.closed_at is not None:
            raise ApplicationError(_("This homework is closed: missing submissions have been recorded."),
                                   code="closed")
        submission = Submission.objects.select_for_update().filter(assignment=locked, person=person).first()
        if submission is not None and submission.status == Submission.Status.GRADED:
            raise ApplicationError(_("This homework has been graded and cannot be changed."), code="graded")
        if not text and file is None and (submission is None or not submission.file):
            raise ApplicationError(_("Write an answer or attach a file."), field="text")
        first = submission is None
        if first:
            submission = Submission(assignment=locked, person=person, first_submitted_at=now,
                                    on_time=now <= locked.due_at, revisions=1)
        else:
            submission.revisions += 1
        submission.text = text
        submission.text_hash = normalised_text_hash(text)
        submission.submitted_at = now
        for field, value in file_fields.items():
            setattr(submission, field, value)
        submission.save()
        if first:
            key = f"hw:{locked.pk}:{person.pk}"
            kind = EventType.HOMEWORK_ON_TIME if submission.on_time else EventType.HOMEWORK_LATE
            result = record_event(key=key, type=kind, person=person.employee_no, occurred_at=now,
                                  course=locked.course.code, data={"assignment": locked.pk}, source="homework",
                                  now=now)
            if result.status != "rejected":
                submission.event_key = key
                submission.save(update_fields=["event_key"])
        others = identical_to(submission)
        if others:
            Submission.objects.filter(pk__in=[submission.pk, *[o.pk for o in others]]).update(flagged=True)
            submission.flagged = True
            _open_identical_case(submission, others, now)
            for other in others:
                _open_identical_case(other, [submission], now)
    return submission


def submission_grade(*, submission: Submission, grader, score, comment: str = "",
                     now: dt.datetime | None = None) -> Submission:
    """The trainer's score (0–100) and comment. Grading again changes the grade."""
    now = now or timezone.now()
    score = _decimal(score, field="score", places=1)
    if score > 100:
        raise ApplicationError(_("A score is between 0 and 100."), field="score")
    comment = _clean(comment, field="comment", max_length=NOTE_MAX)
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if _own(locked.person_id, grader):
            raise ApplicationError(_("You cannot grade your own homework."), code="own")
        locked.status = Submission.Status.GRADED
        locked.score, locked.comment, locked.graded_by, locked.graded_at = score, comment, grader, now
        locked.save(update_fields=["status", "score", "comment", "graded_by", "graded_at"])
    return locked


def assignment_close(*, assignment: Assignment, actor, now: dt.datetime | None = None) -> int:
    """After the due date: record ``homework.missing`` for every enrolled learner who handed nothing
    in, and close the assignment. Answers how many were recorded; closing twice records nothing more."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().select_related("course").get(pk=assignment.pk)
        if now <= locked.due_at:
            raise ApplicationError(_("Missing homework can be recorded only after the due date."), code="not_due")
        if locked.closed_at is not None:
            return 0
        handed_in = Submission.objects.filter(assignment=locked).values("person_id")
        missing = list(selectors.learners_of(locked).exclude(pk__in=handed_in).order_by("pk")
                       .values_list("pk", "employee_no"))
        events = [EventIn(f"hw:{locked.pk}:{pk}", EventType.HOMEWORK_MISSING, no, now, locked.course.code,
                          {"assignment": locked.pk}) for pk, no in missing]
        for start in range(0, len(events), 1000):
            record_events(events=events[start:start + 1000], source="homework", actor=actor, now=now)
        locked.closed_at = now
        locked.save(update_fields=["closed_at"])
    return len(missing)


# ---------------------------------------------------------------- evidence


def _refuse_duplicate_evidence(*, person: Person, sha: str, name: str, now: dt.datetime) -> None:
    """The same file (by its SHA-256) may back one claim or contribution. The learner's own file
    again is refused (unless that earlier one was rejected); someone else's is refused and opens a
    box-ticking case."""
    earlier = [
        *SelfStudyClaim.objects.filter(evidence_sha256=sha).values_list("pk", "person_id", "status", "title"),
        *Contribution.objects.filter(evidence_sha256=sha).values_list("pk", "person_id", "status", "title"),
    ]
    others = [row for row in earlier if row[1] != person.pk]
    if others:
        open_case(
            person=person, kind=CaseKind.DUPLICATE_EVIDENCE, key=f"work:dup-evidence:{sha[:32]}:{person.pk}",
            summary=_("Evidence file “%(name)s” had already been submitted by someone else.") % {"name": name},
            details={"file_name": name, "sha256": sha, "earlier_person_ids": sorted({row[1] for row in others})},
            now=now,
        )
        raise ApplicationError(
            _("This evidence file has already been submitted by someone else. Submit your own evidence; "
              "a reviewer has been told."), field="evidence", code="duplicate_evidence")
    mine = [row for row in earlier if row[2] != Review.REJECTED]
    if mine:
        raise ApplicationError(
            _("You have already submitted this file as evidence (“%(title)s”). Each file can back one claim "
              "or contribution.") % {"title": mine[0][3]}, field="evidence", code="duplicate_evidence")


def _lock_pending(model, obj, reviewer, people, decision: str):
    locked = model.objects.select_for_update().select_related("person").get(pk=obj.pk)
    if locked.status != Review.PENDING:
        if locked.status == decision and locked.reviewed_by_id == getattr(reviewer, "pk", None):
            return None  # the same decision twice (a double click): nothing more happens
        raise ApplicationError(_("This has already been reviewed."), code="already_reviewed")
    if _own(locked.person_id, reviewer):
        raise ApplicationError(_("You cannot review your own submission: someone else must."), code="own")
    if not _in_people(people, locked.person_id):
        raise ApplicationError(_("This is outside the people whose submissions you may review."),
                               code="out_of_scope")
    return locked


def _reject(model, *, obj, reviewer, note: str, people, now) -> object:
    now = now or timezone.now()
    note = _note(note, required=True, missing=_("Give the reason: the learner reads it."))
    with transaction.atomic():
        locked = _lock_pending(model, obj, reviewer, people, Review.REJECTED)
        if locked is None:
            return model.objects.get(pk=obj.pk)
        locked.status, locked.reviewed_by, locked.reviewed_at, locked.decision_note = (
            Review.REJECTED, reviewer, now, note)
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "decision_note"])
    return locked


# ---------------------------------------------------------------- self-study claims


def selfstudy_caps() -> dict[str, Decimal]:
    """The most one approved claim may bring, per currency, under the rules in force (the default
    rules: 10 credits, 50 points)."""
    caps: dict[str, Decimal] = {}
    versions = RuleVersion.objects.filter(status=RuleVersion.Status.PUBLISHED, rule__archived_at__isnull=True,
                                          event_type=EventType.SELFSTUDY_APPROVED,
                                          amount_mode=AmountMode.FROM_FACT)
    for version in versions:
        caps[version.currency] = max(caps.get(version.currency, Decimal(0)), abs(version.amount))
    return caps


def claim_create(*, person: Person, title: str, provider: str, completed_on: dt.date, hours, credits_requested,
                 points_requested, evidence, kind: str = ClaimKind.COURSE,
                 now: dt.datetime | None = None) -> SelfStudyClaim:
    """A learner claims an external course or certificate, with evidence, for review."""
    now = now or timezone.now()
    title = _clean(title, field="title", missing=_("Name the course or certificate."))
    provider = _clean(provider, field="provider", missing=_("Who provided it?"))
    if kind not in ClaimKind.values:
        raise ApplicationError(_("Choose a course or a certificate."), field="kind")
    if completed_on is None:
        raise ApplicationError(_("When did you complete it?"), field="completed_on")
    if completed_on > timezone.localdate(now):
        raise ApplicationError(_("The completion date is in the future."), field="completed_on")
    hours = _decimal(hours, field="hours", places=1)
    if hours <= 0:
        raise ApplicationError(_("How many hours did it take?"), field="hours")
    credits_requested = _decimal(credits_requested, field="credits_requested", places=1)
    points_requested = _decimal(points_requested, field="points_requested", places=0)
    if evidence is None:
        raise ApplicationError(_("Attach the certificate or another proof."), field="evidence")
    name, sha = _checked_file(evidence, field="evidence")
    _refuse_duplicate_evidence(person=person, sha=sha, name=name, now=now)
    with transaction.atomic():
        return SelfStudyClaim.objects.create(
            person=person, kind=kind, title=title, provider=provider, completed_on=completed_on, hours=hours,
            credits_requested=credits_requested, points_requested=points_requested, evidence=evidence,
            evidence_name=name, evidence_sha256=sha, submitted_at=now,
        )


def claim_approve(*, claim: SelfStudyClaim, reviewer, credits, points, note: str = "",
                  people: QuerySet[Person] | None = None, now: dt.datetime | None = None) -> SelfStudyClaim:
    """Approve with the credits and points granted (at most what was asked, and at most the rules'
    bounds); records ``selfstudy.approved`` with them."""
    now = now or timezone.now()
    credits = _decimal(credits, field="credits", places=1)
    points = _decimal(points, field="points", places=0)
    note = _note(note, required=False, missing="")
    caps = selfstudy_caps()
    for value, field, currency, label in ((credits, "credits", "credits", _("credits")),
                                          (points, "points", "points", _("points"))):
        cap = caps.get(currency)
        if cap is not None and value > cap:
            raise ApplicationError(_("The rules in force allow at most %(max)s %(what)s per claim.")
                                   % {"max": f"{cap.normalize():f}", "what": label}, field=field)
    with transaction.atomic():
        locked = _lock_pending(SelfStudyClaim, claim, reviewer, people, Review.APPROVED)
        if locked is None:
            return SelfStudyClaim.objects.get(pk=claim.pk)
        if credits > locked.credits_requested:
            raise ApplicationError(_("At most the %(n)s credits asked for.")
                                   % {"n": f"{locked.credits_requested.normalize():f}"}, field="credits")
        if points > locked.points_requested:
            raise ApplicationError(_("At most the %(n)s points asked for.")
                                   % {"n": f"{locked.points_requested.normalize():f}"}, field="points")
        key = f"selfstudy:{locked.pk}"
        result = record_event(key=key, type=EventType.SELFSTUDY_APPROVED, person=locked.person.employee_no, occurred_at=now,
                     data={"credits": float(credits), "points": float(points), "claim": locked.pk},
                     source="selfstudy", actor=reviewer, now=now)
        _recorded(result)
        locked.status, locked.reviewed_by, locked.reviewed_at, locked.decision_note = (
            Review.APPROVED, reviewer, now, note)
        locked.credits_approved, locked.points_approved, locked.event_key = credits, points, key
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "decision_note", "credits_approved",
                                   "points_approved", "event_key"])
    return locked


def claim_reject(*, claim: SelfStudyClaim, reviewer, note: str, people: QuerySet[Person] | None = None,
                 now: dt.datetime | None = None) -> SelfStudyClaim:
    """Reject with a reason the learner reads. Records nothing."""
    return _reject(SelfStudyClaim, obj=claim, reviewer=reviewer, note=note, people=people, now=now)


# ---------------------------------------------------------------- knowledge contributions

CONTRIBUTION_EVENTS = {
    ContributionKind.TRAINER: EventType.CONTRIBUTION_TRAINER,
    ContributionKind.CASE: EventType.CONTRIBUTION_CASE,
    ContributionKind.COURSE: EventType.CONTRIBUTION_COURSE,
    ContributionKind.SHARING: EventType.CONTRIBUTION_SHARING,
}


def contribution_create(*, person: Person, kind: str, title: str, description: str, evidence,
                        now: dt.datetime | None = None) -> Contribution:
    now = now or timezone.now()
    if kind not in ContributionKind.values:
        raise ApplicationError(_("Choose what kind of contribution this is."), field="kind")
    title = _clean(title, field="title", missing=_("Give it a title."))
    description = _clean(description, field="description", missing=_("Describe what you did."),
                         max_length=TEXT_MAX)
    if evidence is None:
        raise ApplicationError(_("Attach the material or another proof."), field="evidence")
    name, sha = _checked_file(evidence, field="evidence")
    _refuse_duplicate_evidence(person=person, sha=sha, name=name, now=now)
    with transaction.atomic():
        return Contribution.objects.create(person=person, kind=kind, title=title, description=description,
                                           evidence=evidence, evidence_name=name, evidence_sha256=sha,
                                           submitted_at=now)


def contribution_approve(*, contribution: Contribution, reviewer, note: str = "",
                         people: QuerySet[Person] | None = None, now: dt.datetime | None = None) -> Contribution:
    """Approve: records contribution.<kind>; the rules give the points (trainer +30, case +20, course
    +50, sharing +10 up to 40 a month)."""
    now = now or timezone.now()
    note = _note(note, required=False, missing="")
    with transaction.atomic():
        locked = _lock_pending(Contribution, contribution, reviewer, people, Review.APPROVED)
        if locked is None:
            return Contribution.objects.get(pk=contribution.pk)
        key = f"contribution:{locked.pk}"
        result = record_event(key=key, type=CONTRIBUTION_EVENTS[locked.kind], person=locked.person.employee_no,
                     occurred_at=now, data={"contribution": locked.pk}, source="contribution", actor=reviewer,
                     now=now)
        _recorded(result)
        locked.status, locked.reviewed_by, locked.reviewed_at, locked.decision_note, locked.event_key = (
            Review.APPROVED, reviewer, now, note, key)
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "decision_note", "event_key"])
    return locked


def contribution_reject(*, contribution: Contribution, reviewer, note: str, people: QuerySet[Person] | None = None,
                        now: dt.datetime | None = None) -> Contribution:
    return _reject(Contribution, obj=contribution, reviewer=reviewer, note=note, people=people, now=now)

