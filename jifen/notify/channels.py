"""Outgoing notification channels: e-mail, group robots (WeCom, DingTalk, Feishu) and a signed webhook.

Each sender delivers one message and returns, or raises ``ChannelError`` saying whether a later retry can
help (``retryable``). Nothing here touches the database: the delivery code decides what to send, to whom
and when, and records the outcome.

Message formats and signatures follow each platform's own documentation for its custom group robot:

- WeCom (企业微信) group robot: ``{"msgtype": "markdown"|"text", ...}``, answer ``{"errcode": 0}``.
  Markdown messages cannot @mention anyone, so a message with mentions goes as ``text`` with
  ``mentioned_mobile_list``.
- DingTalk (钉钉) custom robot with 加签: ``&timestamp=<ms>&sign=<base64 HMAC-SHA256>`` on the webhook URL,
  the key being the secret and the signed string ``"{timestamp}\\n{secret}"``; ``at.atMobiles`` only
  highlights people whose ``@mobile`` also appears in the text.
- Feishu / Lark (飞书) custom bot with 签名校验: ``timestamp`` (seconds) and ``sign`` in the body, the sign
  being base64 HMAC-SHA256 keyed with ``"{timestamp}\\n{secret}"`` over an empty message; rich text
  (``msg_type: post``). Custom bots have no access to the directory, so they can only @mention by
  open_id / user_id: mentions that are mobile numbers are left out (never printed into the group).
- Generic webhook: JSON envelope, ``X-Jifen-Signature: sha256=<hex HMAC-SHA256(secret, "{ts}." + body)>``.

HTTP uses the standard library only. Only http and https URLs are accepted, redirects are followed only
to the same scheme, host and port (307 / 308, body re-sent), response bodies are read up to
``MAX_RESPONSE_BYTES`` and the timeout bounds the whole exchange, not each socket read.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import http.client
import json
import re
import smtplib
import ssl
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "Jifen-Notify/1.0"
DEFAULT_EMAIL_TIMEOUT = 30

# Size limits from the platforms' documentation (bytes for WeCom and Feishu, characters for DingTalk).
WECOM_MARKDOWN_LIMIT = 4096
WECOM_TEXT_LIMIT = 2048
DINGTALK_TITLE_LIMIT = 64
DINGTALK_TEXT_LIMIT = 5000
FEISHU_TEXT_LIMIT = 16 * 1024  # the whole request body may not exceed 20 KB

# Platform error codes a later attempt can get past: busy system and rate limits.
WECOM_RETRYABLE = frozenset(
    {-1, 45009, 45033}
)  # system busy, api freq out of limit, too many concurrent calls
DINGTALK_RETRYABLE = frozenset({-1, 130101})  # system busy, send too fast (20 a minute)
FEISHU_RETRYABLE = frozenset({11232})  # frequency limited

_HEADER_TOKEN = re.compile(r"[\x21-\x7e]{1,200}")
_MOBILE = re.compile(r"\+?[\d\- ]{5,20}")


@dataclass(frozen=True)
class Message:
    title: str  # short subject, e.g. "本周积分通知"
    text: str  # plain text body (may have newlines)
    html: str = ""  # HTML body for e-mail (optional; built from text when empty)
    url: str = ""  # absolute link to the thing in Jifen (may be empty)
    mentions: tuple[str, ...] = ()  # mobile numbers to @mention in group robots


class ChannelError(Exception):
    """A message was not delivered. ``retryable`` says whether trying again later can succeed."""

    def __init__(self, message: str, *, retryable: bool = True, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status = status


# --- signatures ---------------------------------------------------------------------------------------


def sign_dingtalk(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: base64(HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}")), not yet URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_feishu(secret: str, timestamp: int) -> str:
    """Feishu 签名校验: base64(HMAC-SHA256(key="{timestamp}\\n{secret}", msg=b""))."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_webhook(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"{timestamp}." + body``; sent as ``X-Jifen-Signature: sha256=<this>``."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


# --- HTTP -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes

    def json_object(self) -> dict:
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow only 307 / 308 (which keep the method and body) to the same scheme, host and port.

    Anything else (another host, or a 301/302/303 that would turn the POST into a GET) is refused and
    surfaces as the 3xx status.
    """

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old, new = urlsplit(req.full_url), urlsplit(newurl)
        if code not in (307, 308) or _origin(old) != _origin(new):
            return None
        return urllib.request.Request(  # noqa: S310 - same scheme (http/https) and host as the checked URL
            newurl, data=req.data, headers=dict(req.header_items()), method=req.get_method()
        )


def _origin(parts) -> tuple:
    default_port = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default_port


def _build_opener() -> urllib.request.OpenerDirector:
    # Only what an HTTP(S) POST needs: no file:, ftp: or data: handlers to be reached by a crafted URL.
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        _SameOriginRedirects(),
    ):
        opener.add_handler(handler)
    return opener


_opener = _build_opener()


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url or "")
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChannelError(_("Only http and https addresses can receive notifications."), retryable=False)


def _read_capped(response, deadline: float) -> bytes:
    chunks, size = [], 0
    while size < MAX_RESPONSE_BYTES:
        if time.monotonic() > deadline:
            raise TimeoutError("response too slow")
        chunk = response.read(min(8192, MAX_RESPONSE_BYTES - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _post(url: str, body: bytes, *, headers: dict[str, str] | None = None, timeout: float) -> _Response:
    _check_url(url)
    request = urllib.request.Request(  # noqa: S310 - _check_url allows only http and https
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            **(headers or {}),
        },
    )
    deadline = time.monotonic() + timeout
    try:
        try:
            with _opener.open(request, timeout=timeout) as response:
                return _Response(response.status, _read_capped(response, deadline))
        except urllib.error.HTTPError as error:
            try:
                return _Response(error.code, _read_capped(error, deadline) if error.fp else b"")
            finally:
                error.close()
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            raise ChannelError(
                _("The receiving server's certificate is not valid: %(reason)s") % {"reason": reason},
                retryable=False,
            ) from error
        if isinstance(reason, TimeoutError):
            raise ChannelError(_("The receiving server did not answer in time."), retryable=True) from error
        raise ChannelError(
            _("The receiving server could not be reached: %(reason)s") % {"reason": reason}, retryable=True
        ) from error
    except TimeoutError as error:
        raise ChannelError(_("The receiving server did not answer in time."), retryable=True) from error
    except (OSError, http.client.HTTPException) as error:
        raise ChannelError(
            _("The connection to the receiving server failed: %(reason)s")
            % {"reason": str(error) or type(error).__name__},
            retryable=True,
        ) from error


def _raise_for_status(channel: str, response: _Response) -> None:
    status = response.status
    if 200 <= status < 300:
        return
    if 300 <= status < 400:
        raise ChannelError(
            _("%(channel)s: the address redirects elsewhere; redirects to other servers are not followed.")
            % {"channel": channel},
            retryable=False,
            status=status,
        )
    raise ChannelError(
        _("%(channel)s: the server answered HTTP %(status)s.") % {"channel": channel, "status": status},
        retryable=status in (408, 425, 429) or status >= 500,
        status=status,
    )


def _check_robot_answer(channel: str, response: _Response, *, code_keys, message_keys, retryable) -> None:
    """Robots answer HTTP 200 with a JSON error code; 0 is success."""
    data = response.json_object()
    code = next((data[key] for key in code_keys if key in data), None)
    with contextlib.suppress(TypeError, ValueError):
        code = int(code) if code is not None else None
    if code == 0 and 200 <= response.status < 300:
        return
    if code is not None and code != 0:
        reason = next((str(data[key]) for key in message_keys if data.get(key)), "")[:300]
        raise ChannelError(
            _("%(channel)s refused the message (code %(code)s: %(reason)s).")
            % {"channel": channel, "code": code, "reason": reason},
            retryable=code in retryable or response.status == 429 or response.status >= 500,
            status=response.status,
        )
    _raise_for_status(channel, response)
    raise ChannelError(
        _("%(channel)s: the address answered, but not like a group robot.") % {"channel": channel},
        retryable=False,
        status=response.status,
    )


def _json_body(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder).encode()


# --- message text helpers -------------------------------------------------------------------------------


def _clip_bytes(text: str, limit: int) -> str:
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[: max(limit - 3, 0)].decode("utf-8", errors="ignore") + "…"


def _clip_chars(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _safe_link(url: str) -> str:
    """The link if it is http(s), with characters that would end a markdown link percent-encoded."""
    try:
        scheme = urlsplit(url).scheme
    except ValueError:
        return ""
    if scheme not in ("http", "https"):
        return ""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def _link_label() -> str:
    return _("Open in Jifen")


# --- WeCom ----------------------------------------------------------------------------------------------


def _wecom_body(message: Message) -> dict:
    link = _safe_link(message.url)
    if message.mentions:
        content = "\n".join(part for part in (_one_line(message.title), message.text, link) if part)
        return {
            "msgtype": "text",
            "text": {
                "content": _clip_bytes(content, WECOM_TEXT_LIMIT),
                "mentioned_mobile_list": list(message.mentions),
            },
        }
    link_line = f"[{_link_label()}]({link})" if link else ""
    head = f"**{_one_line(message.title)}**\n{message.text}".rstrip()
    room = WECOM_MARKDOWN_LIMIT - len(link_line.encode()) - 1
    content = "\n".join(part for part in (_clip_bytes(head, room), link_line) if part)
    return {"msgtype": "markdown", "markdown": {"content": content}}


def send_wecom(webhook_url: str, message: Message, *, timeout: float = 10) -> None:
    """Post to a WeCom group robot (``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=...``)."""
    response = _post(webhook_url, _json_body(_wecom_body(message)), timeout=timeout)
    _check_robot_answer(
        _("WeCom"), response, code_keys=("errcode",), message_keys=("errmsg",), retryable=WECOM_RETRYABLE
    )


# --- DingTalk -------------------------------------------------------------------------------------------


def _dingtalk_body(message: Message) -> dict:
    title = _clip_chars(_one_line(message.title), DINGTALK_TITLE_LIMIT)
    paragraphs = [line.strip() for line in message.text.splitlines() if line.strip()]
    link = _safe_link(message.url)
    tail = [f"[{_link_label()}]({link})"] if link else []
    # The @mobile must be in the text for DingTalk to highlight the person; it is shown as their name.
    if message.mentions:
        tail.append(" ".join(f"@{mobile}" for mobile in message.mentions))
    tail_text = "\n\n".join(tail)
    head = "\n\n".join([f"#### {title}", *paragraphs])
    head = _clip_chars(head, DINGTALK_TEXT_LIMIT - len(tail_text) - 2)
    return {
        "msgtype": "markdown",
        "markdown": {"title": title, "text": "\n\n".join(part for part in (head, tail_text) if part)},
        "at": {"atMobiles": list(message.mentions), "isAtAll": False},
    }


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = [
        (key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key not in params
    ]
    return urlunsplit(parts._replace(query=urlencode([*query, *params.items()])))


def send_dingtalk(
    webhook_url: str, secret: str, message: Message, *, timeout: float = 10, now_ms: int | None = None
) -> None:
    """Post to a DingTalk custom robot (``https://oapi.dingtalk.com/robot/send?access_token=...``).

    With a secret (the ``SEC...`` string of 加签) the URL gets ``timestamp`` and ``sign``; without one the
    robot must be protected by keywords or an IP allow-list.
    """
    _check_url(webhook_url)
    url = webhook_url
    if secret:
        timestamp = int(time.time() * 1000) if now_ms is None else int(now_ms)
        url = _with_query(
            webhook_url, {"timestamp": str(timestamp), "sign": sign_dingtalk(secret, timestamp)}
        )
    response = _post(url, _json_body(_dingtalk_body(message)), timeout=timeout)
    _check_robot_answer(
        _("DingTalk"),
        response,
        code_keys=("errcode",),
        message_keys=("errmsg",),
        retryable=DINGTALK_RETRYABLE,
    )


# --- Feishu / Lark --------------------------------------------------------------------------------------


def _feishu_body(message: Message) -> dict:
    text = _clip_bytes(message.text, FEISHU_TEXT_LIMIT)
    content = [[{"tag": "text", "text": line}] for line in text.splitlines() if line.strip()]
    link = _safe_link(message.url)
    if link:
        content.append([{"tag": "a", "text": _link_label(), "href": link}])
    # A custom bot cannot look people up, so only Feishu ids (open_id, user_id, "all") can be @mentioned.
    ats = [{"tag": "at", "user_id": who} for who in message.mentions if who and not _MOBILE.fullmatch(who)]
    if ats:
        content.append(ats)
    locale = "en_us" if (translation.get_language() or "").startswith("en") else "zh_cn"
    return {
        "msg_type": "post",
        "content": {"post": {locale: {"title": _one_line(message.title), "content": content}}},
    }


def send_feishu(
    webhook_url: str, secret: str, message: Message, *, timeout: float = 10, now: int | None = None
) -> None:
    """Post rich text to a Feishu / Lark custom bot (``https://open.feishu.cn/open-apis/bot/v2/hook/...``)."""
    body = _feishu_body(message)
    if secret:
        timestamp = int(time.time()) if now is None else int(now)
        body = {"timestamp": str(timestamp), "sign": sign_feishu(secret, timestamp), **body}
    response = _post(webhook_url, _json_body(body), timeout=timeout)
    _check_robot_answer(
        _("Feishu"),
        response,
        code_keys=("code", "StatusCode"),
        message_keys=("msg", "StatusMessage"),
        retryable=FEISHU_RETRYABLE,
    )


# --- generic webhook ------------------------------------------------------------------------------------


def send_webhook(
    url: str,
    secret: str,
    event: str,
    payload: dict,
    *,
    timeout: float = 10,
    now: int | None = None,
    delivery_id: str = "",
) -> None:
    """POST a signed JSON envelope ``{"event", "delivery_id", "sent_at", "data"}``; any 2xx is success.

    Pass the same ``delivery_id`` on every retry of one delivery so the receiver can drop duplicates
    (a new one is made when it is empty).
    """
    _check_url(url)
    delivery_id = delivery_id or uuid.uuid4().hex
    if not _HEADER_TOKEN.fullmatch(event) or not _HEADER_TOKEN.fullmatch(delivery_id):
        raise ChannelError(
            _("Webhook event names and delivery ids must be plain ASCII words."), retryable=False
        )
    timestamp = int(time.time()) if now is None else int(now)
    envelope = {
        "event": event,
        "delivery_id": delivery_id,
        "sent_at": dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).isoformat(),
        "data": payload,
    }
    try:
        body = _json_body(envelope)
    except (TypeError, ValueError) as error:
        raise ChannelError(
            _("The webhook payload cannot be written as JSON: %(reason)s") % {"reason": error},
            retryable=False,
        ) from error
    headers = {"X-Jifen-Event": event, "X-Jifen-Delivery": delivery_id, "X-Jifen-Timestamp": str(timestamp)}
    if secret:
        headers["X-Jifen-Signature"] = f"sha256={sign_webhook(secret, timestamp, body)}"
    response = _post(url, body, headers=headers, timeout=timeout)
    _raise_for_status(_("Webhook"), response)


# --- e-mail ---------------------------------------------------------------------------------------------


def _email_bodies(message: Message) -> tuple[str, str]:
    link = _safe_link(message.url)
    footer = _(
        "This message was sent automatically by Jifen. You can choose which notices you get, and how, "
        "in your notification settings."
    )
    text = message.text.rstrip()
    if link:
        text += f"\n\n{_link_label()}: {link}"
    text += f"\n\n-- \n{footer}\n"
    if message.html:
        return text, message.html
    link_html = format_html('<p><a href="{}">{}</a></p>', link, _link_label()) if link else ""
    html = format_html(
        '<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8"><title>{}</title></head>'
        '<body style="font-family:sans-serif;line-height:1.6;color:#1f2937">'
        '<h1 style="font-size:18px">{}</h1>{}{}'
        '<hr><p style="color:#6b7280;font-size:12px">{}</p></body></html>',
        translation.get_language() or settings.LANGUAGE_CODE,
        _one_line(message.title),
        _one_line(message.title),
        mark_safe(linebreaks(message.text, autoescape=True)),  # noqa: S308 - linebreaks escaped the text
        link_html,
        footer,
    )
    return text, html


def _smtp_error(error: Exception) -> ChannelError:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        return ChannelError(
            _("The mail server refused the recipients: %(who)s") % {"who": ", ".join(error.recipients)},
            retryable=bool(codes) and all(400 <= code < 500 for code in codes),
        )
    if isinstance(error, smtplib.SMTPResponseException):
        reply = (
            error.smtp_error.decode(errors="replace")
            if isinstance(error.smtp_error, bytes)
            else error.smtp_error
        )
        return ChannelError(
            _("The mail server refused the message (%(code)s %(reply)s).")
            % {"code": error.smtp_code, "reply": reply},
            retryable=400 <= error.smtp_code < 500,
        )
    return ChannelError(
        _("The mail server could not be reached: %(reason)s")
        % {"reason": str(error) or type(error).__name__},
        retryable=True,
    )


def send_email(to: list[str], message: Message, *, language: str | None = None) -> None:
    """Send one e-mail with text and HTML parts through Django's configured mail backend.

    ``language`` is the recipient's language for the fixed strings (link label, footer) when the HTML is
    built from the text; the title, text and html are used as given.
    """
    recipients = [address.strip() for address in to if address and address.strip()]
    if not recipients:
        raise ChannelError(_("There is no e-mail address to send to."), retryable=False)
    with translation.override(language) if language else contextlib.nullcontext():
        text, html = _email_bodies(message)
    connection = get_connection(
        fail_silently=False, timeout=getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_EMAIL_TIMEOUT
    )
    email = EmailMultiAlternatives(
        subject=_one_line(message.title),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        connection=connection,
        headers={"Auto-Submitted": "auto-generated"},  # RFC 3834: no vacation replies to a notice
    )
    email.attach_alternative(html, "text/html")
    try:
        email.send()
    except (smtplib.SMTPException, OSError) as error:
        raise _smtp_error(error) from error
