import base64
import uuid
from decimal import Decimal

import pytest

from jifen.catalog.tests.factories import course as make_course
from jifen.rules import rule_services
from jifen.xapi import services

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ACTIVITY = "https://lms.example.com/courses/safety"


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


class Lrs:
    """A client system's view of the LRS through Django's test client."""

    def __init__(self, http, key, secret, version="2.0.0"):
        self.http, self.version = http, version
        self.auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()

    def headers(self, version=None, **extra):
        found = {"Authorization": self.auth, **extra}
        if (version or self.version) is not None:
            found["X-Experience-API-Version"] = version or self.version
        return found

    def post(self, body, path="/xapi/statements", version=None, **headers):
        import json
        return self.http.post(path, data=json.dumps(body), content_type="application/json",
                              headers=self.headers(version, **headers))

    def put(self, body, path, version=None, content_type="application/json", **headers):
        import json
        data = body if isinstance(body, bytes) else json.dumps(body)
        return self.http.put(path, data=data, content_type=content_type, headers=self.headers(version, **headers))

    def get(self, path, version=None, **params):
        return self.http.get(path, params, headers=self.headers(version))

    def delete(self, path, version=None, **headers):
        return self.http.delete(path, headers=self.headers(version, **headers))


@pytest.fixture
def lrs_client(db):
    client, secret = services.client_create(name="e-learning")
    return client, secret


@pytest.fixture
def lrs(client, lrs_client):
    return Lrs(client, lrs_client[0].key, lrs_client[1])


@pytest.fixture
def safety_course(db):
    return make_course(code="SAFE-X")


@pytest.fixture
def mapped(safety_course):
    """completed → course.completed, the safety activity → its course, and a rule paying 10 points for it."""
    services.verb_mapping_save(verb=COMPLETED, event_type="course.completed")
    services.activity_mapping_save(activity=ACTIVITY, course=safety_course)
    rule_services.rule_create(code="xapi-test-completed", fields={
        "name": "Completed via xAPI", "event_type": "course.completed", "currency": "points", "amount": Decimal(10)})
    return safety_course


@pytest.fixture
def learner(org):
    return org.person(email="li.lei@example.com")


def statement(*, email="li.lei@example.com", verb=COMPLETED, activity=ACTIVITY, success=None, completion=True,
              sid=None, **extra):
    body = {"actor": {"objectType": "Agent", "mbox": f"mailto:{email}", "name": "Li Lei"},
            "verb": {"id": verb, "display": {"en-US": "completed"}},
            "object": {"objectType": "Activity", "id": activity,
                       "definition": {"name": {"zh-CN": "安全生产"}, "type": "http://adlnet.gov/expapi/activities/course"}},
            "timestamp": "2026-03-01T09:00:00+08:00", **extra}
    result = {}
    if success is not None:
        result["success"] = success
    if completion is not None:
        result["completion"] = completion
    if result:
        body["result"] = result
    if sid:
        body["id"] = sid
    return body


def new_id() -> str:
    return str(uuid.uuid4())
