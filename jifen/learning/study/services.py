"""Study time from heartbeats, watched segments, lesson and course completion.

Only the server's clock counts. A heartbeat earns at most the wall-clock time since the same page's
previous heartbeat, capped, and only when that page was visible and playing throughout (the previous
heartbeat said so and this one still says visible). For a video the position must have advanced about
as much as the time that passed: a jump forward (or back) earns nothing and marks nothing between.
Time credited to a person can never exceed the time that passed: a second tab or device studying at
the same moment earns nothing and opens a box-ticking case."""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.learning.exams.models import Attempt
from jifen.learning.integrity.models import CaseKind
from jifen.learning.integrity.services import open_case
from jifen.learning.study.models import SEGMENT_SECONDS, Heartbeat, Lesson, Progress
from jifen.rules.models import EventType
from jifen.rules.services import record_event


def cap_seconds() -> int:
    """The most one heartbeat can earn (the client sends one every 10-15 s)."""
    return int(getattr(settings, "JIFEN_STUDY_HEARTBEAT_CAP_SECONDS", 20))


def max_gap_seconds() -> int:
    """A longer silence (laptop asleep, network gone) earns nothing for the gap."""
    return int(getattr(settings, "JIFEN_STUDY_MAX_GAP_SECONDS", 60))


# ---------------------------------------------------------------- admin


@transaction.atomic
def lesson_save(*, lesson: Lesson | None = None, course, title: str, kind: str, position: int = 1,
                video_file=None, video_url: str = "", duration_seconds: int = 0, document=None, body: str = "",
                min_seconds: int = 0, min_watched_percent: int = 90, quiz=None, is_active: bool = True) -> Lesson:
    lesson = lesson or Lesson()
    if kind == Lesson.Kind.VIDEO:
        if not (video_file or lesson.video_file or video_url):
            raise ApplicationError(_("Upload the video or give its address."), field="video_file")
        if not duration_seconds:
            raise ApplicationError(_("Give the video's length in seconds."), field="duration_seconds")
    elif not (document or lesson.document or body.strip()):
        raise ApplicationError(_("Upload the document or write the text."), field="document")
    if quiz is not None and quiz.course_id != course.pk:
        raise ApplicationError(_("Only a quiz of the same course can be linked."), field="quiz")
    lesson.course, lesson.title, lesson.kind, lesson.position = course, title, kind, position
    lesson.video_url, lesson.duration_seconds = video_url, duration_seconds if kind == Lesson.Kind.VIDEO else 0
    lesson.body, lesson.min_seconds, lesson.min_watched_percent = body, min_seconds, min_watched_percent
    lesson.quiz, lesson.is_active = quiz, is_active
    if video_file:
        lesson.video_file = video_file
    if document:
        lesson.document = document
    lesson.save()
    return lesson


# ---------------------------------------------------------------- heartbeats


def _progress(*, lesson: Lesson, person, now: dt.datetime) -> Progress:
    try:
        with transaction.atomic():
            progress, _created = Progress.objects.get_or_create(
                lesson=lesson, person=person,
                defaults={"started_at": now, "watched": "0" * lesson.segment_count})
    except IntegrityError:  # two heartbeats made it at the same moment
        progress = Progress.objects.get(lesson=lesson, person=person)
    return progress


def _mark(watched: str, start: float, end: float, duration: int) -> str:
    """Mark the segments that [start, end] covers for at least half their length."""
    if not watched or end <= start:
        return watched
    cells = list(watched)
    for index in range(int(start // SEGMENT_SECONDS), min(len(cells), math.ceil(end / SEGMENT_SECONDS))):
        seg_start = index * SEGMENT_SECONDS
        seg_end = min(seg_start + SEGMENT_SECONDS, duration)
        overlap = min(end, seg_end) - max(start, seg_start)
        if overlap >= (seg_end - seg_start) / 2:
            cells[index] = "1"
    return "".join(cells)


def heartbeat_record(*, lesson: Lesson, person, position: float, visible: bool, playing: bool, client: str,
                     now: dt.datetime | None = None) -> Heartbeat:
    """Take one heartbeat; answer it with what it earned (``credited`` seconds and a ``note``)."""
    now = now or timezone.now()
    if not lesson.is_active:
        raise ApplicationError(_("This lesson is closed."))
    client = (client or "")[:64]
    is_video = lesson.kind == Lesson.Kind.VIDEO
    position = max(0.0, min(float(position or 0), float(lesson.duration_seconds))) if is_video else 0.0
    if not is_video:
        playing = visible  # reading a document: the page being visible is all there is
    active = bool(visible and playing)
    progress = _progress(lesson=lesson, person=person, now=now)
    suspicious = None
    with transaction.atomic():
        # One person's heartbeats are taken one at a time (two tabs firing at once cannot both pass
        # the check against the clock below); then the lesson's progress row.
        type(person).objects.select_for_update().filter(pk=person.pk).first()
        progress = Progress.objects.select_for_update().get(pk=progress.pk)
        credited, note, start, end = 0, "", None, None
        # The same page's previous heartbeat: each tab or device is followed on its own, and what they
        # earn together is held against the clock below.
        previous = Heartbeat.objects.filter(progress=progress, client=client).order_by("-at", "-pk").first()
        if previous is None:
            note = "first"
        else:
            wall = (now - previous.at).total_seconds()
            if wall <= 0:
                note = "duplicate"
            elif wall > max_gap_seconds():
                note = "gap"
            elif not (previous.visible and previous.playing) or not visible:
                note = "hidden_or_paused"
            else:
                advance = position - previous.position
                if is_video and advance > wall * 1.25 + 2:
                    note = "skipped"
                elif is_video and (advance < 0 or advance < wall * 0.5 - 2):
                    note = "no_progress"
                else:
                    credited = int(min(wall, cap_seconds()))
                    if is_video:
                        start, end = previous.position, position
                    # Never more study than time: what this person earned elsewhere meanwhile counts too.
                    elsewhere = Heartbeat.objects.filter(person=person, at__gt=previous.at, at__lte=now).aggregate(
                        total=Sum("credited"))["total"] or 0
                    if elsewhere + credited > wall + 1:
                        suspicious = {"lesson": lesson.pk, "client": client, "from": previous.at.isoformat(),
                                      "to": now.isoformat(), "wall_seconds": round(wall, 1),
                                      "already_credited": elsewhere, "claimed": credited}
                        credited, start, end, note = 0, None, None, "concurrent"
        if start is not None:
            progress.watched = _mark(progress.watched or "0" * lesson.segment_count, start, end,
                                     lesson.duration_seconds)
        progress.seconds += credited
        progress.last_beat_at, progress.last_position = now, position
        progress.last_active, progress.last_client = active, client
        progress.save()
        beat = Heartbeat.objects.create(progress=progress, person=person, at=now, position=position,
                                        visible=visible, playing=playing, client=client, credited=credited,
                                        note=note)
    if suspicious is not None:
        open_case(person=person, kind=CaseKind.IMPOSSIBLE_STUDY_RATE,
                  key=f"study-rate:{person.pk}:{timezone.localdate(now).isoformat()}", source=progress, now=now,
                  summary=_("%(lesson)s: study time from two pages or devices at once.") % {"lesson": lesson.title},
                  details=suspicious)
    if progress.completed_at is None and not missing_for_completion(progress=progress):
        lesson_complete(lesson=lesson, person=person, now=now)
        progress.refresh_from_db()
    beat.progress = progress
    return beat


# ---------------------------------------------------------------- completion


def missing_for_completion(*, progress: Progress) -> list[str]:
    """What the learner still has to do, in their words; empty when the lesson is complete."""
    lesson = progress.lesson
    missing = []
    if progress.seconds < lesson.min_seconds:
        missing.append(_("Study at least %(minutes)s minutes (so far %(done)s).")
                       % {"minutes": math.ceil(lesson.min_seconds / 60), "done": progress.seconds // 60})
    if lesson.kind == Lesson.Kind.VIDEO and progress.watched_percent < lesson.min_watched_percent:
        missing.append(_("Watch at least %(share)s%% of the video (so far %(done)s%%).")
                       % {"share": lesson.min_watched_percent, "done": progress.watched_percent})
    if lesson.quiz_id and not Attempt.objects.filter(quiz=lesson.quiz_id, person=progress.person_id,
                                                     passed=True).exists():
        missing.append(_("Pass the quiz “%(quiz)s”.") % {"quiz": lesson.quiz.title})
    return missing


def lesson_complete(*, lesson: Lesson, person, now: dt.datetime | None = None) -> Progress:
    """Mark the lesson complete if everything it asks for is done; when it is the course's last
    lesson, record ``course.completed`` (the default rules give the course's credits once)."""
    now = now or timezone.now()
    with transaction.atomic():
        progress = _progress(lesson=lesson, person=person, now=now)
        progress = Progress.objects.select_for_update(of=("self",)).select_related("lesson", "lesson__quiz").get(
            pk=progress.pk)
        if progress.completed_at is not None:
            return progress
        missing = missing_for_completion(progress=progress)
        if missing:
            raise ApplicationError(" ".join(missing))
        progress.completed_at = now
        progress.save(update_fields=["completed_at"])
    course = lesson.course
    lessons = Lesson.objects.filter(course=course, is_active=True)
    done = Progress.objects.filter(lesson__in=lessons, person=person, completed_at__isnull=False).count()
    if done == lessons.count():
        record_event(key=f"study:course:{course.pk}:{person.pk}", type=EventType.COURSE_COMPLETED,
                     person=person.employee_no, occurred_at=now, course=course.code,
                     data={"lessons": done, "source": "online"}, now=now)
        # Make-up study (补学) assigned as this online course is done too.
        from jifen.learning.attendance.models import MakeUp
        from jifen.learning.attendance.services import complete_makeup

        for makeup in MakeUp.objects.filter(attendance__person=person, course=course, completed_at__isnull=True):
            complete_makeup(makeup=makeup, now=now)
    return progress
