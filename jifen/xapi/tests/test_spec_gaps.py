"""What the xAPI specifications require beyond the basics: format=canonical, signed statements,
1.0.3's alternate request syntax."""

import base64
import json

import pytest

from jifen.xapi.tests.conftest import ACTIVITY, COMPLETED, new_id

CHOICE = {
    "actor": {"mbox": "mailto:han.meimei@example.com"},
    "verb": {"id": COMPLETED, "display": {"en-US": "completed", "zh-CN": "完成", "fr": "terminé"}},
    "object": {"id": ACTIVITY, "definition": {
        "name": {"en-US": "Safety", "zh-CN": "安全生产"},
        "description": {"en-GB": "Safety at work", "zh-CN": "安全生产课程"},
        "interactionType": "choice", "correctResponsesPattern": ["a"],
        "choices": [{"id": "a", "description": {"en-US": "Helmet", "zh-CN": "安全帽"}},
                    {"id": "b", "description": {"en-US": "Scarf", "zh-CN": "围巾"}}]}},
    "context": {"contextActivities": {"parent": [{"id": ACTIVITY + "/unit",
                                                  "definition": {"name": {"en": "Unit", "zh": "单元"}}}]}},
}


def _get(lrs, accept_language=None, version=None, **params):
    headers = lrs.headers(version)
    if accept_language is not None:
        headers["Accept-Language"] = accept_language
    return lrs.http.get("/xapi/statements", params, headers=headers)


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_canonical_format_keeps_the_one_language_the_reader_prefers(lrs, db, version):
    sid = lrs.post({**CHOICE, "id": new_id()}, version=version).json()[0]
    found = _get(lrs, "zh-CN,zh;q=0.9,en;q=0.5", version, statementId=sid, format="canonical").json()
    assert found["verb"]["display"] == {"zh-CN": "完成"}
    definition = found["object"]["definition"]
    assert definition["name"] == {"zh-CN": "安全生产"} and definition["description"] == {"zh-CN": "安全生产课程"}
    assert [c["description"] for c in definition["choices"]] == [{"zh-CN": "安全帽"}, {"zh-CN": "围巾"}]
    # "zh-CN" falls back to the plain "zh" entry.
    assert found["context"]["contextActivities"]["parent"][0]["definition"]["name"] == {"zh": "单元"}
    # An English reader: "en" takes "en-US" / "en-GB"; the same in a list of statements.
    listed = _get(lrs, "fr;q=0.1, en", version, format="canonical").json()["statements"][0]
    assert listed["verb"]["display"] == {"en-US": "completed"}
    assert listed["object"]["definition"]["description"] == {"en-GB": "Safety at work"}
    # No preference (or none that matches): one entry is kept all the same.
    for header in (None, "de-DE"):
        one = _get(lrs, header, version, statementId=sid, format="canonical").json()
        assert len(one["verb"]["display"]) == 1 and len(one["object"]["definition"]["name"]) == 1
    # exact keeps everything.
    exact = _get(lrs, "zh-CN", version, statementId=sid, format="exact").json()
    assert exact["verb"]["display"] == CHOICE["verb"]["display"]


# --- signed statements -------------------------------------------------------------------------------------------

SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def signer():
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "e-learning")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=9))
            .sign(key, hashes.SHA256()))
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()

    def sign(payload, alg="RS256", x5c=True, tamper=False):
        header = {"alg": alg, **({"x5c": [der]} if x5c else {})}
        head = _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(payload).encode())
        digest = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}.get(alg, hashes.SHA256)
        signature = key.sign(head.encode(), padding.PKCS1v15(), digest())
        if tamper:
            signature = bytes([signature[0] ^ 1]) + signature[1:]
        return f"{head}.{_b64url(signature)}".encode()

    return sign


def _post_signed(lrs, body, jws: bytes, version="2.0.0"):
    import hashlib

    sha = hashlib.sha256(jws).hexdigest()
    body = {**body, "attachments": [*body.get("attachments", []), {
        "usageType": SIGNATURE, "display": {"en-US": "signature"}, "contentType": "application/octet-stream",
        "length": len(jws), "sha2": sha}]}
    boundary = "signedBoundary42"
    payload = (f"--{boundary}\r\nContent-Type: application/json\r\n\r\n{json.dumps(body)}\r\n"
               f"--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n"
               f"X-Experience-API-Hash: {sha}\r\n\r\n").encode() + jws + f"\r\n--{boundary}--\r\n".encode()
    return lrs.http.post("/xapi/statements", data=payload, content_type=f"multipart/mixed; boundary={boundary}",
                         headers=lrs.headers(version))


def _signed_body():
    return {"actor": {"mbox": "mailto:han.meimei@example.com", "objectType": "Agent"},
            "verb": {"id": COMPLETED, "display": {"en-US": "completed"}},
            "object": {"id": ACTIVITY, "objectType": "Activity"}}


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_a_correctly_signed_statement_is_stored(lrs, db, signer, version, alg):
    body = {**_signed_body(), "id": new_id()}
    response = _post_signed(lrs, body, signer(body, alg=alg), version)
    assert response.status_code == 200, response.content
    assert response.json() == [body["id"]]
    # The payload may leave out the id and timestamp the LRS fills in; x5c is optional.
    assert _post_signed(lrs, _signed_body(), signer(_signed_body(), x5c=False), version).status_code == 200


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_malformed_or_mismatched_signatures_are_refused(lrs, db, signer, version):
    from jifen.xapi.models import Statement

    body = _signed_body()
    other = {**body, "verb": {"id": "http://adlnet.gov/expapi/verbs/failed"}}
    refused = {
        "not a JWS": b"this is not a jws",
        "two parts": b"eyJhbGciOiJSUzI1NiJ9.e30",
        "header not JSON": b"bm90IGpzb24.e30.c2ln",
        "HS256": signer(body, alg="HS256"),
        "alg not a string": (_b64url(b'{"alg":["RS256"]}') + "." + _b64url(json.dumps(body).encode()) + ".c2ln").encode(),
        "payload not a statement": signer({**body, "context": "nonsense", "attachments": "x"}),
        "none": (_b64url(b'{"alg":"none"}') + "." + _b64url(json.dumps(body).encode()) + ".c2ln").encode(),
        "another statement": signer(other),
        "another id": signer({**body, "id": new_id()}),
        "bad signature": signer(body, tamper=True),
    }
    for case, jws in refused.items():
        response = _post_signed(lrs, body, jws, version)
        assert response.status_code == 400, case
    assert Statement.objects.count() == 0


# --- 1.0.3 alternate request syntax ------------------------------------------------------------------------------

def _alternate(lrs, method, fields, version="1.0.3", path="/xapi/statements", auth=True):
    from urllib.parse import urlencode

    form = {**({"Authorization": lrs.auth} if auth else {}), **({"X-Experience-API-Version": version} if version else {}),
            **fields}
    return lrs.http.post(f"{path}?method={method}", data=urlencode(form),
                         content_type="application/x-www-form-urlencoded")


def test_the_103_alternate_request_syntax_puts_gets_and_deletes(lrs, db):
    from jifen.xapi.models import Document

    sid = new_id()
    body = {**CHOICE, "id": sid}
    put = _alternate(lrs, "PUT", {"statementId": sid, "Content-Type": "application/json",
                                  "content": json.dumps(body)})
    assert put.status_code == 204, put.content
    assert put["X-Experience-API-Version"] == "1.0.3"
    got = _alternate(lrs, "GET", {"statementId": sid, "format": "ids"})
    assert got.status_code == 200 and got.json()["id"] == sid and got.json()["verb"] == {"id": COMPLETED}
    canonical = _alternate(lrs, "GET", {"statementId": sid, "format": "canonical", "Accept-Language": "zh-CN"})
    assert canonical.json()["verb"]["display"] == {"zh-CN": "完成"}
    listed = _alternate(lrs, "GET", {"verb": COMPLETED})
    assert [s["id"] for s in listed.json()["statements"]] == [sid]
    # Documents too: state saved, read and deleted through the form.
    agent = json.dumps({"mbox": "mailto:han.meimei@example.com"})
    where = {"activityId": ACTIVITY, "agent": agent, "stateId": "bookmark"}
    saved = _alternate(lrs, "PUT", {**where, "Content-Type": "application/json", "content": '{"page": 3}'},
                       path="/xapi/activities/state")
    assert saved.status_code == 204, saved.content
    assert _alternate(lrs, "GET", where, path="/xapi/activities/state").json() == {"page": 3}
    assert _alternate(lrs, "DELETE", where, path="/xapi/activities/state").status_code == 204
    assert not Document.objects.exists()


def test_the_alternate_request_syntax_is_refused_when_misused_or_for_20(lrs, db):
    from urllib.parse import urlencode

    sid = new_id()
    fields = {"statementId": sid, "content": json.dumps({**CHOICE, "id": sid})}
    # 2.0 has no alternate syntax, however the version is sent.
    assert _alternate(lrs, "PUT", fields, version="2.0.0").status_code == 400
    assert lrs.http.post("/xapi/statements?method=PUT", data=urlencode({"Authorization": lrs.auth, **fields}),
                         content_type="application/x-www-form-urlencoded",
                         headers={"X-Experience-API-Version": "2.0.0"}).status_code == 400
    # Parameters belong in the form, the method must be one of HTTP's, the body must be a form.
    assert lrs.http.post(f"/xapi/statements?method=PUT&statementId={sid}",
                         data=urlencode({"Authorization": lrs.auth, "X-Experience-API-Version": "1.0.3"}),
                         content_type="application/x-www-form-urlencoded").status_code == 400
    assert _alternate(lrs, "PATCH", fields).status_code == 400
    assert lrs.http.post("/xapi/statements?method=PUT", data="{}", content_type="application/json",
                         headers=lrs.headers("1.0.3")).status_code == 400
    # Credentials are still required.
    assert _alternate(lrs, "GET", {}, auth=False).status_code == 401
    assert not lrs.get("/xapi/statements", version="1.0.3").json()["statements"]


# --- 2.0 statements read by a 1.0.3 client -----------------------------------------------------------------------

def test_a_103_reader_gets_statements_stored_through_20_in_a_shape_it_accepts(lrs, db):
    from jifen.xapi.validation import V1, validate_statement

    coach = [{"objectType": "contextAgent", "agent": {"mbox": "mailto:coach@example.com"}}]
    team = [{"objectType": "contextGroup", "group": {"objectType": "Group", "mbox": "mailto:team@example.com"}}]
    sub = {"objectType": "SubStatement", "actor": {"mbox": "mailto:han.meimei@example.com"},
           "verb": {"id": COMPLETED}, "object": {"id": ACTIVITY},
           "context": {"contextAgents": coach}}
    first = lrs.post({**CHOICE, "context": {**CHOICE["context"], "contextAgents": coach, "contextGroups": team}},
                     version="2.0.0").json()[0]
    second = lrs.post({"actor": {"mbox": "mailto:li.lei@example.com"}, "verb": {"id": COMPLETED}, "object": sub},
                      version="2.0.0").json()[0]
    old = lrs.post({**CHOICE, "id": new_id()}, version="1.0.3").json()[0]
    for sid in (first, second):
        seen = lrs.get("/xapi/statements", version="1.0.3", statementId=sid).json()
        assert seen["version"] == "1.0.0"
        validate_statement(seen, V1)  # a 1.0.3 validator finds nothing to refuse
        assert lrs.get("/xapi/statements", version="2.0.0", statementId=sid).json()["version"] == "2.0.0"
    listed = {s["id"]: s for s in lrs.get("/xapi/statements", version="1.0.3").json()["statements"]}
    assert set(listed) == {first, second, old}
    assert listed[first]["context"] == {"contextActivities": CHOICE["context"]["contextActivities"]}
    assert "context" not in listed[second]["object"]
    for item in listed.values():
        validate_statement(item, V1)
    full = lrs.get("/xapi/statements", version="2.0.0", statementId=first).json()
    assert full["context"]["contextAgents"] == coach and full["context"]["contextGroups"] == team
