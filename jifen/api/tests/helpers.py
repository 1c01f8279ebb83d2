import json

from jifen.api.tokens import token_create

API = "/api/v1"


def bearer(user, scope="read"):
    _token, raw = token_create(user=user, name="test", scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def send(client, method, path, body=None, **headers):
    call = getattr(client, method)
    if body is None:
        return call(f"{API}{path}", **headers)
    return call(f"{API}{path}", data=json.dumps(body), content_type="application/json", **headers)


def is_problem(response, status):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body
