"""The API: a session's attendance, batch marks, check-in with a code, my attendance."""

import datetime as dt
import json

from django.utils import timezone

from jifen.learning.attendance import tokens
from jifen.learning.attendance.models import Attendance
from jifen.learning.attendance.tests.helpers import points
from jifen.learning.attendance.tests.test_views import started

API = "/api/v1/attendance"


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_marking_a_batch_and_listing_it(client, room):
    session = started(room)
    client.force_login(room.trainer.user)
    response = post(client, f"{API}/sessions/{session.pk}/marks", {"marks": [
        {"employee_no": "RD-0007", "status": "present"}, {"employee_no": "RD-0008", "status": "absent"}]})
    assert response.status_code == 200 and response.json() == {"changes": 2, "unchanged": 0}
    listed = client.get(f"{API}/sessions/{session.pk}").json()
    assert [(i["employee_no"], i["status"]) for i in listed["items"]] == [("RD-0007", "present"),
                                                                         ("RD-0008", "absent")]
    assert listed["counts"]["present"] == 1 and points(room.second) == -10


def test_a_batch_with_a_bad_mark_records_nothing_and_says_which(client, room):
    session = started(room)
    client.force_login(room.trainer.user)
    response = post(client, f"{API}/sessions/{session.pk}/marks", {"marks": [
        {"employee_no": "RD-0007", "status": "present"}, {"employee_no": "MK-0009", "status": "present"}]})
    assert response.status_code == 400
    assert [(e["item"], e["field"]) for e in response.json()["errors"]] == [(2, "employee_no")]
    assert not Attendance.objects.exists()


def test_checking_in_with_a_token(client, room):
    session = started(room)
    client.force_login(room.learner.user)
    token = tokens.make_token(session.pk, timezone.now())
    response = post(client, f"{API}/check-in", {"session_id": session.pk, "token": token})
    assert response.status_code == 200 and response.json()["status"] == "present" and response.json()["created"]
    old = tokens.make_token(session.pk, timezone.now() - dt.timedelta(seconds=90))
    client.force_login(room.second.user)
    refused = post(client, f"{API}/check-in", {"session_id": session.pk, "token": old})
    assert refused.status_code == 400


def test_my_attendance(client, room):
    session = started(room)
    client.force_login(room.learner.user)
    post(client, f"{API}/check-in", {"session_id": session.pk,
                                     "token": tokens.make_token(session.pk, timezone.now())})
    mine = client.get(f"{API}/me").json()
    assert [(m["session_id"], m["status"]) for m in mine] == [(session.pk, "present")]
