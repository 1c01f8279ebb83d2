"""Demo LRS setup: one client system and the usual ADL verbs and two activities mapped. Idempotent."""

from jifen.catalog.models import Course
from jifen.rules.models import EventType
from jifen.xapi import services
from jifen.xapi.models import XapiClient

VERBS = [
    ("http://adlnet.gov/expapi/verbs/completed", EventType.COURSE_COMPLETED),
    ("http://adlnet.gov/expapi/verbs/passed", EventType.COURSE_COMPLETED),
    ("http://adlnet.gov/expapi/verbs/mastered", EventType.COURSE_COMPLETED),
    ("http://adlnet.gov/expapi/verbs/attended", EventType.ATTENDANCE_PRESENT),
    ("http://adlnet.gov/expapi/verbs/scored", EventType.EXAM_SCORED),
]
ACTIVITIES = [
    ("https://elearning.example.com/courses/comp-02", "COMP-02"),
    ("https://elearning.example.com/courses/safe-01", "SAFE-01"),
]


def build_demo() -> tuple[str, str] | None:
    """Answer the demo client's key and secret when it is made now (None when it was already there)."""
    for verb, event_type in VERBS:
        services.verb_mapping_save(verb=verb, event_type=event_type)
    for activity, code in ACTIVITIES:
        course = Course.objects.filter(code=code).first()
        if course is not None:
            services.activity_mapping_save(activity=activity, course=course)
    if XapiClient.objects.filter(name="demo-elearning").exists():
        return None
    client, secret = services.client_create(name="demo-elearning")
    return client.key, secret
