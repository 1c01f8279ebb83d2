"""Statements through the HTTP interface: storing, conflicts, points, voiding, unmatched, paging, versions."""

import json

from django.urls import reverse

from jifen.ledger.models import Entry, EntryKind
from jifen.ledger.selectors import points_balance
from jifen.xapi import services
from jifen.xapi.models import Outcome, Statement, Unmatched
from jifen.xapi.tests.conftest import ACTIVITY, COMPLETED, new_id, statement

VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def test_a_completed_course_earns_the_rules_points_once_however_often_it_is_sent(lrs, mapped, learner):
    sid = new_id()
    before = points_balance(person=learner)
    assert lrs.put(statement(sid=sid), f"/xapi/statements?statementId={sid}").status_code == 204
    assert lrs.put(statement(sid=sid), f"/xapi/statements?statementId={sid}").status_code == 204
    response = lrs.post([statement(sid=sid)])
    assert response.status_code == 200 and response.json() == [sid]
    stored = Statement.objects.get(statement_id=sid)
    assert stored.outcome == Outcome.POSTED and stored.event.key == f"xapi:{sid}"
    assert Entry.objects.filter(rule_label="xapi-test-completed", account__person=learner).count() == 1
    assert points_balance(person=learner) - before >= 10
    # Matching it again (as after a mapping change) posts nothing new either.
    services._intake([stored], client=stored.client, now=stored.stored)
    assert Entry.objects.filter(rule_label="xapi-test-completed", account__person=learner).count() == 1


def test_the_same_statement_id_with_other_content_is_a_conflict(lrs, mapped, learner):
    sid = new_id()
    assert lrs.put(statement(sid=sid), f"/xapi/statements?statementId={sid}").status_code == 204
    changed = statement(sid=sid, completion=False)
    assert lrs.put(changed, f"/xapi/statements?statementId={sid}").status_code == 409
    assert lrs.post(changed).status_code == 409
    assert Statement.objects.get(statement_id=sid).data["result"] == {"completion": True}


def test_points_only_when_the_result_says_success_or_completion(lrs, mapped, learner):
    failed = lrs.post([statement(success=False, completion=None), statement(completion=None)]).json()
    passed = lrs.post(statement(success=True, completion=None)).json()
    assert {s.outcome for s in Statement.objects.filter(statement_id__in=failed)} == {Outcome.NO_CREDIT}
    assert Statement.objects.get(statement_id=passed[0]).outcome == Outcome.POSTED
    assert Entry.objects.filter(rule_label="xapi-test-completed", account__person=learner).count() == 1


def test_voiding_a_statement_reverses_the_points_it_earned(lrs, mapped, learner):
    before = points_balance(person=learner)
    sid = lrs.post(statement()).json()[0]
    assert points_balance(person=learner) > before
    void = {"actor": {"mbox": "mailto:admin@example.com"}, "verb": {"id": VOIDED},
            "object": {"objectType": "StatementRef", "id": sid}}
    assert lrs.post(void).status_code == 200
    assert points_balance(person=learner) == before
    award = Entry.objects.get(rule_label="xapi-test-completed", account__person=learner, kind=EntryKind.AWARD)
    assert Entry.objects.filter(reverses=award, kind=EntryKind.REVERSAL).count() == 1
    assert lrs.get("/xapi/statements", statementId=sid).status_code == 404
    voided = lrs.get("/xapi/statements", voidedStatementId=sid)
    assert voided.status_code == 200 and voided.json()["id"] == sid
    assert sid not in [s["id"] for s in lrs.get("/xapi/statements").json()["statements"]]
    # Voiding again changes nothing.
    assert lrs.post({**void, "id": new_id()}).status_code == 200
    assert points_balance(person=learner) == before


def test_statements_that_match_nothing_are_stored_reported_and_matched_later(lrs, safety_course, learner, org):
    stranger = lrs.post(statement(email="nobody@example.com")).json()[0]
    unmapped = lrs.post(statement()).json()[0]
    assert Statement.objects.get(statement_id=stranger).reason == Unmatched.UNKNOWN_ACTOR
    assert Statement.objects.get(statement_id=unmapped).reason == Unmatched.UNMAPPED_VERB
    services.verb_mapping_save(verb=COMPLETED, event_type="course.completed")
    assert services.statements_reprocess() == 0
    assert Statement.objects.get(statement_id=unmapped).reason == Unmatched.UNMAPPED_ACTIVITY
    services.activity_mapping_save(activity=ACTIVITY, course=safety_course)
    assert services.statements_reprocess() == 1
    assert Statement.objects.get(statement_id=unmapped).outcome == Outcome.POSTED
    org.person(email="Nobody@Example.com")
    assert services.statements_reprocess() == 1
    assert not Statement.objects.filter(outcome=Outcome.UNMATCHED).exists()


def test_actors_are_matched_by_account_number_and_hashed_email_too(lrs, mapped, learner):
    import hashlib
    by_account = statement()
    by_account["actor"] = {"account": {"homePage": "https://hr.example.com", "name": learner.employee_no}}
    by_hash = statement()
    by_hash["actor"] = {"mbox_sha1sum": hashlib.sha1(b"mailto:li.lei@example.com").hexdigest()}  # noqa: S324
    ids = lrs.post([by_account, by_hash]).json()
    assert [Statement.objects.get(statement_id=i).event.person_id for i in ids] == [learner.pk, learner.pk]


def test_a_client_scoped_to_a_unit_credits_only_people_there(lrs_client, mapped, org, client):
    from jifen.xapi.tests.conftest import Lrs
    scoped, secret = services.client_create(name="marketing lms", org_unit=org.marketing)
    org.person(email="li.lei@example.com")  # in 平台组, outside 市场部
    sid = Lrs(client, scoped.key, secret).post(statement()).json()[0]
    assert Statement.objects.get(statement_id=sid).reason == Unmatched.UNKNOWN_ACTOR


def test_statements_page_with_an_absolute_more_link(lrs, db):
    ids = lrs.post([statement(email=f"p{i}@example.com") for i in range(5)]).json()
    seen, path, pages = [], "/xapi/statements?limit=2", 0
    first = lrs.get("/xapi/statements", limit=2)
    assert first["X-Experience-API-Consistent-Through"]
    while path:
        page = lrs.http.get(path, headers=lrs.headers()).json()
        seen += [s["id"] for s in page["statements"]]
        path, pages = page["more"], pages + 1
        assert not path or path.startswith("/xapi/statements/more/")
    assert pages == 3 and sorted(seen) == sorted(ids)
    ascending = lrs.get("/xapi/statements", ascending="true", limit=10).json()["statements"]
    assert [s["id"] for s in ascending] == ids


def test_statements_filter_by_agent_verb_activity_registration_and_time(lrs, db):
    registration = new_id()
    ids = lrs.post([
        statement(context={"registration": registration}),
        statement(email="other@example.com", verb="http://adlnet.gov/expapi/verbs/attended"),
        statement(activity="https://lms.example.com/other",
                  context={"contextActivities": {"parent": {"id": ACTIVITY}}}),
    ]).json()

    def found(**params):
        return {s["id"] for s in lrs.get("/xapi/statements", **params).json()["statements"]}

    agent = json.dumps({"mbox": "mailto:li.lei@example.com"})
    assert found(agent=agent) == {ids[0], ids[2]}
    assert found(verb="http://adlnet.gov/expapi/verbs/attended") == {ids[1]}
    assert found(activity=ACTIVITY) == {ids[0], ids[1]}
    assert found(activity=ACTIVITY, related_activities="true") == set(ids)
    assert found(registration=registration) == {ids[0]}
    stored = Statement.objects.get(statement_id=ids[0]).stored
    assert found(since=stored.isoformat()) == set()
    assert found(until=stored.isoformat()) == set(ids)
    slim = lrs.get("/xapi/statements", statementId=ids[0], format="ids").json()
    assert slim["object"] == {"objectType": "Activity", "id": ACTIVITY} and slim["verb"] == {"id": COMPLETED}


def test_the_version_header_is_required_and_decides_what_is_valid(lrs, db):
    response = lrs.http.get("/xapi/statements", headers={"Authorization": lrs.auth})
    assert response.status_code == 400
    assert lrs.get("/xapi/statements", version="0.95").status_code == 400
    with_context_agents = statement(context={"contextAgents": [
        {"objectType": "contextAgent", "agent": {"mbox": "mailto:coach@example.com"}}]})
    assert lrs.post(with_context_agents, version="1.0.3").status_code == 400
    response = lrs.post(with_context_agents, version="2.0.0")
    assert response.status_code == 200 and response["X-Experience-API-Version"] == "2.0.0"
    no_zone = statement(timestamp="2026-03-01T09:00:00")
    assert lrs.post(no_zone, version="2.0.0").status_code == 400
    response = lrs.post(no_zone, version="1.0.3")
    assert response.status_code == 200 and response["X-Experience-API-Version"] == "1.0.3"
    assert Statement.objects.get(statement_id=response.json()[0]).data["version"] == "1.0.0"
    about = lrs.http.get("/xapi/about")
    assert about.status_code == 200 and set(about.json()["version"]) == {"1.0.3", "2.0.0"}


def test_credentials_are_required_and_checked(lrs, lrs_client, db):
    response = lrs.http.get("/xapi/statements", headers={"X-Experience-API-Version": "2.0.0"})
    assert response.status_code == 401 and "Basic" in response["WWW-Authenticate"]
    lrs_client[0].active = False
    lrs_client[0].save()
    assert lrs.get("/xapi/statements").status_code == 401


def test_a_client_reads_only_its_own_statements_unless_it_reads_all(lrs, client, db):
    from jifen.xapi.tests.conftest import Lrs
    mine = lrs.post(statement()).json()[0]
    other, secret = services.client_create(name="other lms")
    other_lrs = Lrs(client, other.key, secret)
    assert other_lrs.get("/xapi/statements", statementId=mine).status_code == 404
    other.read_all = True
    other.save()
    assert other_lrs.get("/xapi/statements", statementId=mine).status_code == 200


def test_invalid_statements_are_refused_whole(lrs, db):
    good, bad = statement(), statement()
    bad["actor"] = {"mbox": "li.lei@example.com"}
    assert lrs.post([good, bad]).status_code == 400
    assert not Statement.objects.exists()
    assert lrs.post([statement(sid=(sid := new_id())), statement(sid=sid)]).status_code == 400
    assert lrs.put(statement(), "/xapi/statements").status_code == 400


def test_attachments_travel_as_multipart_mixed(lrs, db, settings):
    import hashlib
    content = "证书 certificate".encode()
    sha = hashlib.sha256(content).hexdigest()
    body = statement(attachments=[{"usageType": "http://id.tincanapi.com/attachment/certificate-of-completion",
                                   "display": {"en-US": "certificate"}, "contentType": "text/plain",
                                   "length": len(content), "sha2": sha}])
    boundary = "abcABC0123"
    payload = (f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{json.dumps(body)}\r\n"
               f"--{boundary}\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
               f"X-Experience-API-Hash: {sha}\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    response = lrs.http.post("/xapi/statements", data=payload, content_type=f"multipart/mixed; boundary={boundary}",
                             headers=lrs.headers())
    assert response.status_code == 200, response.content
    sid = response.json()[0]
    assert lrs.post(statement(attachments=body["attachments"]), path="/xapi/statements").status_code == 200
    missing = dict(body["attachments"][0], sha2="ab" * 32)
    assert lrs.post(statement(attachments=[missing])).status_code == 400
    answer = lrs.get("/xapi/statements", statementId=sid, attachments="true")
    assert answer["Content-Type"].startswith("multipart/mixed")
    assert content in answer.content and f"X-Experience-API-Hash: {sha}".encode() in answer.content


def test_too_large_a_request_is_refused(lrs, db, settings):
    settings.XAPI_MAX_BODY = 100
    assert lrs.post([statement()]).status_code == 413


def test_the_unmatched_page_counts_and_rematches_for_rule_managers(client, lrs, org, safety_course, learner):
    lrs.post([statement(), statement(email="x@example.com")])
    user = org.system_admin()
    client.force_login(user)
    page = client.get(reverse("xapi:unmatched"))
    assert page.status_code == 200 and "x@example.com" in page.content.decode()
    assert page.context["total"] == 2
    client.post(reverse("xapi:mappings"), {"form": "verb", "verb-verb": COMPLETED, "verb-event_type": "course.completed"})
    client.post(reverse("xapi:mappings"), {"form": "activity", "activity-activity": ACTIVITY,
                                           "activity-course": safety_course.pk})
    client.post(reverse("xapi:unmatched"))
    assert client.get(reverse("xapi:unmatched")).context["total"] == 1
    client.force_login(learner.user)
    assert client.get(reverse("xapi:unmatched")).status_code == 403
    assert client.get(reverse("xapi:mappings")).status_code == 403


def test_the_createxapiclient_command_prints_working_credentials(lrs, client, db, capsys):
    from django.core.management import call_command

    from jifen.xapi.tests.conftest import Lrs
    call_command("createxapiclient", "cli-lms")
    lines = dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())
    assert Lrs(client, lines["key"], lines["secret"]).get("/xapi/statements").status_code == 200


def test_a_statement_voided_before_it_arrives_is_stored_voided_and_earns_nothing(lrs, mapped, learner):
    sid = new_id()
    void = {"actor": {"mbox": "mailto:admin@example.com"}, "verb": {"id": VOIDED},
            "object": {"objectType": "StatementRef", "id": sid}}
    assert lrs.post(void).status_code == 200
    assert lrs.post(statement(sid=sid)).status_code == 200
    stored = Statement.objects.get(statement_id=sid)
    assert stored.voided and stored.event is None
    assert not Entry.objects.filter(rule_label="xapi-test-completed").exists()


def test_two_requests_storing_the_same_statement_at_once_both_succeed(lrs, mapped, learner, monkeypatch):
    """The second writer meets the first one's row only at the unique index; it looks again and finds it equal."""
    from jifen.xapi.models import Statement as Model
    sid = new_id()
    real_filter = Model.objects.filter
    calls = {"n": 0}

    def blind_first_look(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:  # the first look misses the racing writer's row
            services.statements_store(client=services.XapiClient.objects.get(), statements=[statement(sid=sid)],
                                      version="2.0.0", authority={"mbox": "mailto:other@example.com"})
            return real_filter(pk__in=[])
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Model.objects, "filter", blind_first_look)
    response = lrs.post(statement(sid=sid))
    monkeypatch.undo()
    assert response.status_code == 200 and response.json() == [sid]
    assert Entry.objects.filter(rule_label="xapi-test-completed", account__person=learner).count() == 1
