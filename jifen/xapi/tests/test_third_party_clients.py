"""Real xAPI clients against a running server: tincan (Python, xAPI 1.0.3) and @xapi/xapi (node, xAPI 2.0).
What they store is checked with ralph's xAPI models."""

import copy
import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement

from jifen.ledger.models import Entry
from jifen.xapi import services
from jifen.xapi.models import Outcome, Statement
from jifen.xapi.tests.conftest import ACTIVITY
from jifen.xapi.validation import V2, validate_statement

JS = Path(__file__).parent / "js"


def _stored_statements_are_valid_xapi():
    """ralph's models know xAPI 1.0.3: a 2.0 statement is checked without what only 2.0 has (and by our own
    2.0 validator in full)."""
    for data in Statement.objects.values_list("data", flat=True):
        if data["version"].startswith("2."):
            validate_statement(copy.deepcopy(data), V2)
            data = {**data, "version": "1.0.3"}
            context = {k: v for k, v in (data.get("context") or {}).items()
                       if k not in ("contextAgents", "contextGroups")}
            data = {**data, "context": context} if context else {k: v for k, v in data.items() if k != "context"}
        BaseXapiStatement.model_validate(data)


def test_tincan_speaks_1_0_3_with_the_lrs(live_server, mapped, learner):
    tincan = pytest.importorskip("tincan")
    client, secret = services.client_create(name="tincan lms")
    lrs = tincan.RemoteLRS(endpoint=live_server.url + "/xapi/", username=client.key, password=secret,
                           version="1.0.3")
    # (tincan's about() refuses an LRS that also lists 2.0.0, a version tincan 1.0.0 does not know.)

    actor = tincan.Agent(name="Li Lei", mbox="mailto:li.lei@example.com")
    completed = tincan.Verb(id="http://adlnet.gov/expapi/verbs/completed", display=tincan.LanguageMap({"en-US": "completed"}))
    course = tincan.Activity(id=ACTIVITY, definition=tincan.ActivityDefinition(
        name=tincan.LanguageMap({"zh-CN": "安全生产"}), type="http://adlnet.gov/expapi/activities/course"))
    sid = str(uuid.uuid4())
    saved = lrs.save_statement(tincan.Statement(id=sid, actor=actor, verb=completed, object=course,
                                                result=tincan.Result(completion=True, success=True,
                                                                     score=tincan.Score(raw=88, min=0, max=100))))
    assert saved.success, saved.data
    # Sending it again (a retry) changes nothing and earns nothing twice.
    assert lrs.save_statement(tincan.Statement(id=sid, actor=actor, verb=completed, object=course,
                                               result=tincan.Result(completion=True, success=True,
                                                                    score=tincan.Score(raw=88, min=0, max=100)))).success
    batch = lrs.save_statements([tincan.Statement(actor=actor, verb=completed, object=course) for _ in range(3)])
    assert batch.success, batch.data

    got = lrs.retrieve_statement(sid)
    assert got.success and str(got.content.id) == sid and got.content.result.score.raw == 88
    first = lrs.query_statements({"verb": completed, "limit": 2})
    assert first.success and len(first.content.statements) == 2 and first.content.more
    rest = lrs.more_statements(first.content)
    assert rest.success and len(rest.content.statements) == 2

    state = tincan.StateDocument(activity=course, agent=actor, id="bookmark", content="page-7",
                                 content_type="text/plain")
    assert lrs.save_state(state).success
    assert lrs.retrieve_state(course, actor, "bookmark").content.content == bytearray(b"page-7")

    stored = Statement.objects.get(statement_id=sid)
    assert stored.outcome == Outcome.POSTED and stored.data["version"].startswith("1.0.")
    assert Entry.objects.filter(rule_label="xapi-test-completed", account__person=learner).count() == 1
    _stored_statements_are_valid_xapi()


def _node_modules() -> bool:
    if (JS / "node_modules" / "@xapi" / "xapi").exists():
        return True
    npm = shutil.which("npm")
    if npm is None:
        return False
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS, check=True, timeout=300, capture_output=True)
    return True


def test_the_xapi_js_client_speaks_2_0_with_the_lrs(live_server, mapped, org):
    node = shutil.which("node")
    if node is None or not _node_modules():
        pytest.skip("node and npm are needed for the @xapi/xapi client")
    learner = org.person(email="han.meimei@example.com")
    client, secret = services.client_create(name="js lms", read_all=True)
    run = subprocess.run([node, "drive.cjs", live_server.url + "/xapi/", client.key, secret], cwd=JS,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert "2.0.0" in seen["about"] and seen["version"] == "2.0.0"
    assert seen["stored"]["context"]["contextAgents"][0]["agent"]["mbox"] == "mailto:coach@example.com"
    assert len(seen["firstPage"]) == 2 and len(seen["secondPage"]) == 2
    assert not set(seen["firstPage"]) & set(seen["secondPage"])
    assert seen["consistentThrough"]
    assert (seen["voidedGone"], seen["voidedFound"]) == (404, 200)
    assert seen["profile"] == {"theme": "dark"}
    assert (seen["updateWithEtag"], seen["updateWithStaleEtag"]) == (204, 412)
    assert seen["badStatement"] == 400
    # Four completions came, one was voided: three earned points and stand.
    posted = Statement.objects.filter(outcome=Outcome.POSTED, voided=False, agent="mbox:mailto:han.meimei@example.com")
    assert posted.count() == 3
    entries = Entry.objects.filter(rule_label="xapi-test-completed", account__person=learner)
    assert entries.filter(kind="award").count() == 4 and entries.filter(kind="reversal").count() == 1
    _stored_statements_are_valid_xapi()
