"""State, activity profile and agent profile documents, with ETag concurrency."""

import json
from urllib.parse import urlencode

AGENT = json.dumps({"objectType": "Agent", "mbox": "mailto:li.lei@example.com"})
ACTIVITY = "https://lms.example.com/courses/safety"


def _profile(**extra):
    return "/xapi/activities/profile?" + urlencode({"activityId": ACTIVITY, "profileId": "settings", **extra})


def test_a_profile_changed_by_someone_else_is_not_overwritten(lrs, db):
    assert lrs.put({"level": 1}, _profile(), If_None_Match="*").status_code == 204
    first = lrs.get(_profile())
    assert first.status_code == 200 and first.json() == {"level": 1}
    etag = first["ETag"]
    assert lrs.put({"level": 2}, _profile(), If_Match=etag).status_code == 204
    # The first writer still holds the old ETag: its update fails, and so does creating it again.
    assert lrs.put({"level": 3}, _profile(), If_Match=etag).status_code == 412
    assert lrs.put({"level": 3}, _profile(), If_None_Match="*").status_code == 412
    # Without either header an existing profile is a conflict.
    assert lrs.put({"level": 3}, _profile()).status_code == 409
    assert lrs.get(_profile()).json() == {"level": 2}
    assert lrs.delete(_profile(), If_Match=etag).status_code == 412
    assert lrs.delete(_profile(), If_Match=lrs.get(_profile())["ETag"]).status_code == 204
    assert lrs.get(_profile()).status_code == 404


def test_posting_a_json_document_merges_it(lrs, db):
    path = "/xapi/agents/profile?" + urlencode({"agent": AGENT, "profileId": "prefs"})
    assert lrs.http.post(path, data=json.dumps({"a": 1}), content_type="application/json",
                         headers=lrs.headers()).status_code == 204
    assert lrs.http.post(path, data=json.dumps({"b": 2}), content_type="application/json",
                         headers=lrs.headers()).status_code == 204
    assert lrs.get(path).json() == {"a": 1, "b": 2}
    assert lrs.http.post(path, data=b"plain", content_type="text/plain", headers=lrs.headers()).status_code == 400
    fresh = "/xapi/agents/profile?" + urlencode({"agent": AGENT, "profileId": "notes"})
    assert lrs.http.post(fresh, data=b"plain", content_type="text/plain", headers=lrs.headers()).status_code == 400
    ids = lrs.get("/xapi/agents/profile?" + urlencode({"agent": AGENT}))
    assert ids.json() == ["prefs"]


def test_state_documents_are_kept_per_agent_activity_and_registration(lrs, db):
    base = {"activityId": ACTIVITY, "agent": AGENT}
    registration = "2ec87d9b-4cdc-4b2d-a4b1-8d9b3c7e6f10"
    assert lrs.put(b"bookmark-3", "/xapi/activities/state?" + urlencode({**base, "stateId": "bookmark"}),
                   version="1.0.3", content_type="text/plain").status_code == 204
    assert lrs.put({"page": 7}, "/xapi/activities/state?" + urlencode(
        {**base, "stateId": "bookmark", "registration": registration})).status_code == 204
    plain = lrs.get("/xapi/activities/state?" + urlencode({**base, "stateId": "bookmark"}))
    assert plain.content == b"bookmark-3" and plain["Content-Type"].startswith("text/plain")
    # 1.0.3 has no concurrency control on state; 2.0 has.
    assert lrs.put(b"bookmark-4", "/xapi/activities/state?" + urlencode({**base, "stateId": "bookmark"}),
                   version="1.0.3", content_type="text/plain").status_code == 204
    assert lrs.put(b"bookmark-5", "/xapi/activities/state?" + urlencode({**base, "stateId": "bookmark"}),
                   version="2.0.0", content_type="text/plain").status_code == 409
    assert lrs.get("/xapi/activities/state?" + urlencode(base)).json() == ["bookmark"]
    assert lrs.delete("/xapi/activities/state?" + urlencode(base)).status_code == 204
    assert lrs.get("/xapi/activities/state?" + urlencode(
        {**base, "registration": registration})).json() == ["bookmark"]
    assert lrs.get("/xapi/activities/state?" + urlencode({"activityId": ACTIVITY})).status_code == 400
