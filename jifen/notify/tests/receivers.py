"""Real local HTTP receivers that check requests the way WeCom, DingTalk, Feishu and a webhook consumer do.

Each receiver is an ``http.server`` on 127.0.0.1 (port 0) in a thread. It recomputes the signature from
the received timestamp and the shared secret, refuses timestamps more than an hour away (as the platforms
do), checks the message shape against the platform's documented format and answers in the platform's
own JSON (``errcode`` / ``code``). Every request is kept in ``requests``; refusals say why in ``problems``.

``mode`` makes a receiver misbehave: ``"rate_limited"``, ``"server_error"`` (HTTP 502), ``"slow"``
(answers after ``delay`` seconds), ``"redirect_away"`` (307 to another host), ``"redirect_same"``
(307 to another path on the same host), ``"status"`` (answers ``status``), ``"huge"`` (a 2xx with a body
of ``huge_bytes``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_AGE_SECONDS = 3600
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_SECRET = "SEC0123456789abcdef"
DINGTALK_TOKEN = "a1b2c3d4e5"
FEISHU_SECRET = "nIMtb7r3N9pkXyXdtAbx6e"
FEISHU_TOKEN = "5e3d587e-d78e-4a07"
WEBHOOK_SECRET = "whsec-jifen-test"


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    data: dict | None = None
    ok: bool = False  # the receiver took it

    def json(self) -> dict:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: dict, status: int = 200) -> Answer:
        return cls(status, json.dumps(data).encode(), {"Content-Type": "application/json; charset=utf-8"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up (timeout tests) leaves a broken pipe behind; that is expected here.
        pass


class Receiver:
    path_prefix = "/"

    def __init__(self):
        self.requests: list[Received] = []
        self.problems: list[str] = []
        self.mode = "normal"
        self.delay = 2.0
        self.status = 200
        self.huge_bytes = 8 * 1024 * 1024
        self.redirect_to = ""
        self._server: _Server | None = None

    # -- lifecycle

    def __enter__(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = urlsplit(self.path)
                received = Received(
                    path=parts.path,
                    query={
                        key: values[0]
                        for key, values in parse_qs(parts.query, keep_blank_values=True).items()
                    },
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=body,
                )
                receiver.requests.append(received)
                answer = receiver.answer(received)
                try:
                    self.send_response(answer.status)
                    for key, value in answer.headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- answering

    def answer(self, received: Received) -> Answer:
        if self.mode == "slow":
            time.sleep(self.delay)
        if self.mode == "server_error":
            return Answer(502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"})
        if self.mode == "status":
            return Answer(self.status, b"{}", {"Content-Type": "application/json"})
        if self.mode == "redirect_away":
            return Answer(307, b"", {"Location": self.redirect_to})
        if self.mode == "redirect_same" and received.path != "/moved":
            return Answer(307, b"", {"Location": "/moved?" + urlsplit(self.url).query})
        if self.mode == "huge":
            return Answer(200, b"x" * self.huge_bytes, {"Content-Type": "text/plain"})
        try:
            received.data = received.json()
        except ValueError:
            return self.refuse_shape(received, "body is not JSON")
        return self.check(received)

    def refuse(self, why: str, answer: Answer) -> Answer:
        self.problems.append(why)
        return answer

    def refuse_shape(self, received: Received, why: str) -> Answer:
        raise NotImplementedError

    def check(self, received: Received) -> Answer:
        raise NotImplementedError

    @property
    def url(self) -> str:
        raise NotImplementedError

    @property
    def accepted(self) -> list[Received]:
        """Requests the receiver took (not refused)."""
        return [request for request in self.requests if request.ok]


def _fresh(timestamp_seconds: float) -> bool:
    return abs(time.time() - timestamp_seconds) <= MAX_AGE_SECONDS


def _text(value, limit: int | None = None) -> bool:
    return isinstance(value, str) and value.strip() != "" and (limit is None or len(value.encode()) <= limit)


class WeComRobot(Receiver):
    """企业微信群机器人: POST /cgi-bin/webhook/send?key=KEY."""

    def __init__(self, key: str = WECOM_KEY):
        super().__init__()
        self.key = key

    @property
    def url(self) -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={self.key}"

    def refuse_shape(self, received, why):
        return self.refuse(why, Answer.json({"errcode": 40035, "errmsg": f"invalid parameter: {why}"}))

    def check(self, received):
        if received.path not in ("/cgi-bin/webhook/send", "/moved") or received.query.get("key") != self.key:
            return self.refuse(
                "webhook key", Answer.json({"errcode": 93000, "errmsg": "invalid webhook url"})
            )
        if self.mode == "rate_limited":
            return Answer.json({"errcode": 45009, "errmsg": "api freq out of limit"})
        data = received.data
        kind = data.get("msgtype")
        if kind == "markdown":
            part = data.get("markdown") or {}
            if not _text(part.get("content"), 4096):
                return self.refuse_shape(received, "markdown.content missing or over 4096 bytes")
            if set(part) - {"content"}:
                return self.refuse_shape(received, "markdown takes only content (no mentions)")
        elif kind == "text":
            part = data.get("text") or {}
            if not _text(part.get("content"), 2048):
                return self.refuse_shape(received, "text.content missing or over 2048 bytes")
            mobiles = part.get("mentioned_mobile_list", [])
            if not isinstance(mobiles, list) or not all(isinstance(m, str) for m in mobiles):
                return self.refuse_shape(received, "mentioned_mobile_list must be a list of strings")
        else:
            return self.refuse_shape(received, f"msgtype {kind!r}")
        received.ok = True
        return Answer.json({"errcode": 0, "errmsg": "ok"})


class DingTalkRobot(Receiver):
    """钉钉自定义机器人 with 加签: POST /robot/send?access_token=T&timestamp=MS&sign=SIGN."""

    def __init__(self, secret: str = DINGTALK_SECRET, access_token: str = DINGTALK_TOKEN):
        super().__init__()
        self.secret = secret
        self.access_token = access_token

    @property
    def url(self) -> str:
        return f"{self.base}/robot/send?access_token={self.access_token}"

    def refuse_shape(self, received, why):
        return self.refuse(why, Answer.json({"errcode": 40035, "errmsg": f"缺少参数 json: {why}"}))

    def check(self, received):
        if received.query.get("access_token") != self.access_token:
            return self.refuse(
                "access token", Answer.json({"errcode": 300001, "errmsg": "token is not exist"})
            )
        sign_refused = Answer.json({"errcode": 310000, "errmsg": "sign not match"})
        timestamp, sign = received.query.get("timestamp", ""), received.query.get("sign", "")
        if not timestamp.isdigit() or not _fresh(int(timestamp) / 1000):
            return self.refuse("timestamp missing or more than an hour away", sign_refused)
        string_to_sign = f"{timestamp}\n{self.secret}".encode()
        expected = base64.b64encode(
            hmac.new(self.secret.encode(), string_to_sign, hashlib.sha256).digest()
        ).decode()
        if not hmac.compare_digest(expected, sign):
            return self.refuse("sign", sign_refused)
        if self.mode == "rate_limited":
            return Answer.json({"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
        data = received.data
        if data.get("msgtype") != "markdown":
            return self.refuse_shape(received, f"msgtype {data.get('msgtype')!r}")
        part = data.get("markdown") or {}
        if not _text(part.get("title")) or not _text(part.get("text")):
            return self.refuse_shape(received, "markdown needs title and text")
        at = data.get("at", {})
        mobiles = at.get("atMobiles", [])
        if not isinstance(mobiles, list) or not isinstance(at.get("isAtAll", False), bool):
            return self.refuse_shape(received, "at.atMobiles / at.isAtAll")
        missing = [mobile for mobile in mobiles if f"@{mobile}" not in part["text"]]
        if missing:
            # DingTalk would deliver, but nobody would be highlighted: the @mobile must be in the text.
            return self.refuse_shape(received, f"@{missing[0]} not in markdown.text")
        received.ok = True
        return Answer.json({"errcode": 0, "errmsg": "ok"})


FEISHU_TAGS = {"text": {"text"}, "a": {"text", "href"}, "at": {"user_id"}, "img": {"image_key"}}


class FeishuBot(Receiver):
    """飞书自定义机器人 with 签名校验: POST /open-apis/bot/v2/hook/TOKEN, timestamp and sign in the body."""

    def __init__(self, secret: str = FEISHU_SECRET, token: str = FEISHU_TOKEN, legacy=False):
        super().__init__()
        self.secret = secret
        self.token = token
        self.legacy = legacy

    @property
    def url(self) -> str:
        return f"{self.base}/open-apis/bot/v2/hook/{self.token}"

    def refuse_shape(self, received, why):
        return self.refuse(why, Answer.json({"code": 9499, "msg": "Bad Request", "data": {}}))

    def check(self, received):
        if received.path != f"/open-apis/bot/v2/hook/{self.token}":
            return self.refuse(
                "token",
                Answer.json(
                    {"code": 19001, "msg": "param invalid: incoming webhook access token invalid", "data": {}}
                ),
            )
        if len(received.body) > 20 * 1024:
            return self.refuse_shape(received, "body over 20 KB")
        data = received.data
        sign_refused = Answer.json(
            {
                "code": 19021,
                "msg": "sign match fail or timestamp is not within one hour from current time",
                "data": {},
            }
        )
        timestamp = data.get("timestamp")
        if not isinstance(timestamp, str) or not timestamp.isdigit() or not _fresh(int(timestamp)):
            return self.refuse("timestamp missing or more than an hour away", sign_refused)
        key = f"{timestamp}\n{self.secret}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(expected, str(data.get("sign", ""))):
            return self.refuse("sign", sign_refused)
        if self.mode == "rate_limited":
            return Answer.json({"code": 11232, "msg": "frequency limited", "data": {}})
        if data.get("msg_type") != "post":
            return self.refuse_shape(received, f"msg_type {data.get('msg_type')!r}")
        post = (data.get("content") or {}).get("post") or {}
        if not post or set(post) - {"zh_cn", "en_us", "ja_jp"}:
            return self.refuse_shape(received, "content.post needs zh_cn / en_us / ja_jp")
        for body in post.values():
            if not _text(body.get("title")) or not isinstance(body.get("content"), list):
                return self.refuse_shape(received, "post needs title and content")
            for line in body["content"]:
                if not isinstance(line, list):
                    return self.refuse_shape(received, "each content line is a list")
                for element in line:
                    needed = FEISHU_TAGS.get(element.get("tag"))
                    if needed is None or not needed <= set(element):
                        return self.refuse_shape(received, f"element {element!r}")
        received.ok = True
        if self.legacy:
            return Answer.json({"Extra": None, "StatusCode": 0, "StatusMessage": "success"})
        return Answer.json(
            {
                "code": 0,
                "msg": "success",
                "data": {},
                "Extra": None,
                "StatusCode": 0,
                "StatusMessage": "success",
            }
        )


class WebhookConsumer(Receiver):
    """Another system taking Jifen's signed webhooks, verifying them as the integration guide tells it to."""

    def __init__(self, secret: str = WEBHOOK_SECRET, ok_status: int = 204):
        super().__init__()
        self.secret = secret
        self.ok_status = ok_status

    @property
    def url(self) -> str:
        return f"{self.base}/hooks/jifen?tenant=hr"

    def refuse_shape(self, received, why):
        return self.refuse(why, Answer.json({"error": why}, status=400))

    def check(self, received):
        headers = received.headers
        timestamp, signature = headers.get("x-jifen-timestamp", ""), headers.get("x-jifen-signature", "")
        unauthorised = Answer.json({"error": "invalid signature"}, status=401)
        if not timestamp.isdigit() or not _fresh(int(timestamp)):
            return self.refuse("timestamp missing or more than an hour away", unauthorised)
        digest = hmac.new(
            self.secret.encode(), f"{timestamp}.".encode() + received.body, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(f"sha256={digest}", signature):
            return self.refuse("signature", unauthorised)
        data = received.data
        if set(data) != {"event", "delivery_id", "sent_at", "data"} or not isinstance(data["data"], dict):
            return self.refuse_shape(received, "envelope keys")
        if data["event"] != headers.get("x-jifen-event") or data["delivery_id"] != headers.get(
            "x-jifen-delivery"
        ):
            return self.refuse_shape(received, "headers and envelope disagree")
        if not headers.get("content-type", "").startswith("application/json"):
            return self.refuse_shape(received, "content type")
        received.ok = True
        return Answer(self.ok_status)
