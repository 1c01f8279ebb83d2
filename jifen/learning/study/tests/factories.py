from decimal import Decimal

from jifen.catalog.models import Course, CourseKind, Delivery
from jifen.learning.study import services


def course(code: str = "ONLINE-T1", credits: Decimal = Decimal(2)) -> Course:
    found, _ = Course.objects.get_or_create(code=code, defaults={
        "title": "网络安全在线课", "kind": CourseKind.REQUIRED, "delivery": Delivery.ONLINE, "credits": credits})
    return found


def video_lesson(course: Course, *, duration: int = 100, min_seconds: int = 0, share: int = 90, quiz=None,
                 position: int = 1):
    return services.lesson_save(course=course, title=f"第{position}讲 视频", kind="video", position=position,
                                video_url="http://intranet.example/v.mp4", duration_seconds=duration,
                                min_seconds=min_seconds, min_watched_percent=share, quiz=quiz)


def document_lesson(course: Course, *, min_seconds: int = 30, position: int = 1):
    return services.lesson_save(course=course, title=f"第{position}讲 阅读", kind="document", position=position,
                                body="请阅读以下内容……", min_seconds=min_seconds)
