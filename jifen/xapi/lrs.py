"""The xAPI HTTP interface (1.0.3 and 2.0.0, chosen per request by X-Experience-API-Version). Plain Django views:
the LRS speaks the spec's statuses and headers, not Jifen's API conventions. Activity IRIs are never fetched."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from email import policy
from email.parser import BytesParser
from functools import wraps

from django.conf import settings
from django.core import signing
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from jifen.xapi import languages, selectors, services, validation
from jifen.xapi.models import Attachment, Document, Statement
from jifen.xapi.validation import V1, V2, Invalid, agent_key

ABOUT_VERSIONS = ["1.0.3", "2.0.0"]
STATEMENT_PARAMS = {"statementId", "voidedStatementId", "agent", "verb", "activity", "registration",
                    "related_activities", "related_agents", "since", "until", "limit", "format", "attachments",
                    "ascending"}
PAGE_SIZE = 100
MORE_SALT = "jifen.xapi.more"


class HttpError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _error(status: int, message: str, version: str | None) -> JsonResponse:
    response = JsonResponse({"error": {"code": status, "message": message}}, status=status)
    response["X-Experience-API-Version"] = version or V2  # in every response, whatever was asked
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="xAPI"'
    return response


def _version(request) -> str:
    stated = (request.headers.get("X-Experience-API-Version") or "").strip()
    if re.fullmatch(r"1\.0(\.[0-9])?", stated):
        return V1
    if re.fullmatch(r"2\.0(\.[0-9])?", stated):
        return V2
    if not stated:
        raise HttpError(400, "X-Experience-API-Version header missing")
    raise HttpError(400, f"X-Experience-API-Version {stated} is not supported; this LRS speaks 1.0.3 and 2.0.0")


def _client(request):
    header = request.headers.get("Authorization") or ""
    if not header.lower().startswith("basic "):
        raise HttpError(401, "HTTP Basic credentials required")
    try:
        key, _sep, secret = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise HttpError(401, "malformed credentials") from None
    client = services.client_authenticate(key=key, secret=secret)
    if client is None:
        raise HttpError(401, "unknown or inactive credentials")
    return client


ALTERNATE_METHODS = {"GET", "HEAD", "PUT", "POST", "DELETE"}
ALTERNATE_HEADERS = {"authorization": "HTTP_AUTHORIZATION",
                     "x-experience-api-version": "HTTP_X_EXPERIENCE_API_VERSION",
                     "content-type": "CONTENT_TYPE", "if-match": "HTTP_IF_MATCH",
                     "if-none-match": "HTTP_IF_NONE_MATCH", "accept-language": "HTTP_ACCEPT_LANGUAGE"}


def _alternate(request) -> bool:
    """xAPI 1.0.3 Communication 1.3 "Alternate Request Syntax": POST ?method=X with the headers, the parameters
    and the content as form fields. The request is rewritten into the one it stands for."""
    if request.method != "POST" or "method" not in request.GET:
        return False
    method = request.GET["method"].upper()
    if method not in ALTERNATE_METHODS:
        raise HttpError(400, "method must be GET, HEAD, PUT, POST or DELETE")
    if set(request.GET) != {"method"}:
        raise HttpError(400, "with method=..., every other parameter goes into the form body")
    if not (request.headers.get("Content-Type") or "").lower().startswith("application/x-www-form-urlencoded"):
        raise HttpError(400, "the alternate request syntax takes an application/x-www-form-urlencoded body")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise HttpError(400, "malformed Content-Length") from None
    if length > settings.XAPI_MAX_BODY:
        raise HttpError(413, "request too large")
    try:
        form = QueryDict(request.body, encoding="utf-8")
    except RequestDataTooBig:
        raise HttpError(413, "request too large") from None
    content = form.get("content", "").encode("utf-8")
    params = QueryDict(mutable=True)
    for name in form:
        meta = ALTERNATE_HEADERS.get(name.lower())
        if meta:
            request.META[meta] = form[name]
        elif name.lower() not in ("content", "content-length"):
            params.setlist(name, form.getlist(name))
    if "CONTENT_TYPE" not in {ALTERNATE_HEADERS.get(n.lower()) for n in form}:
        request.META["CONTENT_TYPE"] = "application/json" if content else ""
    request.META["CONTENT_LENGTH"] = str(len(content))
    request.method = method
    request.GET = params
    request._body = content
    request.__dict__.pop("headers", None)  # recomputed from the rewritten META
    return True


def endpoint(view):
    """Version header, credentials, size limit, and the spec's error statuses around an LRS view."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        version, wrong_version = None, None
        try:
            alternate = _alternate(request)
            try:
                version = _version(request)
            except HttpError as error:
                wrong_version = error
            # Credentials first: a request without them learns nothing, not even which versions are spoken.
            client = _client(request)
            if wrong_version is not None:
                raise wrong_version
            if alternate and version != V1:
                raise HttpError(400, "the alternate request syntax (method=...) is only for xAPI 1.0.3")
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                raise HttpError(400, "malformed Content-Length") from None
            if length > settings.XAPI_MAX_BODY:
                raise HttpError(413, "request too large")
            try:
                request.body  # noqa: B018 - read now, within the limit
            except RequestDataTooBig:
                raise HttpError(413, "request too large") from None
            response = view(request, *args, client=client, version=version, **kwargs)
        except HttpError as error:
            return _error(error.status, str(error), version)
        except Invalid as error:
            return _error(400, str(error), version)
        except services.Conflict as error:
            return _error(409, str(error), version)
        except services.PreconditionFailed as error:
            return _error(412, str(error), version)
        response["X-Experience-API-Version"] = version
        return response

    return wrapper


def _params(request) -> dict[str, str]:
    return {key: request.GET[key] for key in request.GET}


def _json_param(params: dict, name: str):
    try:
        return json.loads(params[name])
    except ValueError:
        raise Invalid(f"{name} is not JSON") from None


def _agent_param(params: dict, name: str = "agent", required: bool = True) -> str:
    if name not in params:
        if required:
            raise Invalid(f"{name} is required")
        return ""
    value = _json_param(params, name)
    validation.actor(value, name)
    key = agent_key(value)
    if not key:
        raise Invalid(f"{name} needs an identifier")
    if len(key) > 600:
        raise Invalid(f"{name}'s identifier is too long for this LRS")
    return key


def _time_param(params: dict, name: str, version: str) -> dt.datetime | None:
    if name not in params:
        return None
    return validation.timestamp(params[name], name, version)


def _bool_param(params: dict, name: str) -> bool:
    value = params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise Invalid(f"{name} must be true or false")
    return value == "true"


def _authority(request, client) -> dict:
    return {"objectType": "Agent", "name": client.name,
            "account": {"homePage": request.build_absolute_uri(reverse("xapi:about")).rsplit("/about", 1)[0],
                        "name": client.key}}


# --- multipart ---------------------------------------------------------------------------------------------------

def _parse_body(request) -> tuple[object, dict[str, tuple[str, bytes]]]:
    content_type = request.headers.get("Content-Type") or ""
    if content_type.lower().startswith("multipart/mixed"):
        message = BytesParser(policy=policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + request.body)
        if not message.is_multipart():
            raise Invalid("malformed multipart/mixed body")
        pieces = list(message.iter_parts())
        if not pieces or pieces[0].get_content_type() != "application/json":
            raise Invalid("the first part must be the statements as application/json")
        try:
            body = json.loads(pieces[0].get_payload(decode=True))
        except ValueError:
            raise Invalid("the first part is not JSON") from None
        parts: dict[str, tuple[str, bytes]] = {}
        for piece in pieces[1:]:
            declared = piece.get("X-Experience-API-Hash")
            if not declared:
                raise Invalid("every attachment part needs X-Experience-API-Hash")
            if (piece.get("Content-Transfer-Encoding") or "binary").lower() != "binary":
                raise Invalid("attachment parts must be Content-Transfer-Encoding: binary")
            content = piece.get_payload(decode=True) or b""
            if hashlib.sha256(content).hexdigest() != declared.strip().lower():
                raise Invalid("an attachment's content does not match its X-Experience-API-Hash")
            parts[declared.strip().lower()] = (piece.get_content_type(), content)
        return body, parts
    if content_type and not content_type.lower().startswith("application/json"):
        raise Invalid(f"unsupported Content-Type {content_type}")
    try:
        return json.loads(request.body), {}
    except ValueError:
        raise Invalid("the body is not JSON") from None


def _multipart(payload: dict | list, shas: list[str]) -> HttpResponse:
    boundary = "jifen-xapi-" + hashlib.sha1(json.dumps(payload).encode()).hexdigest()[:16]  # noqa: S324
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(),
              json.dumps(payload, ensure_ascii=False).encode(), b"\r\n"]
    for attachment in Attachment.objects.filter(sha2__in=shas):
        chunks += [f"--{boundary}\r\nContent-Type: {attachment.content_type}\r\nContent-Transfer-Encoding: binary\r\n"
                   f"X-Experience-API-Hash: {attachment.sha2}\r\n\r\n".encode(), bytes(attachment.content), b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return HttpResponse(b"".join(chunks), content_type=f'multipart/mixed; boundary="{boundary}"')


# --- about -------------------------------------------------------------------------------------------------------

@csrf_exempt
def about(request):
    if request.method not in ("GET", "HEAD"):
        return _error(405, "GET only", None)
    response = JsonResponse({"version": ABOUT_VERSIONS, "extensions": {}})
    response["X-Experience-API-Version"] = V2
    return response


# --- statements --------------------------------------------------------------------------------------------------

def _ids_format(value):
    if not isinstance(value, dict):
        return value
    kind = value.get("objectType")
    if kind in ("Agent", "Group") or any(k in value for k in validation.IFIS):
        slim = {k: value[k] for k in ("objectType", *validation.IFIS) if k in value}
        if "member" in value and not any(k in value for k in validation.IFIS):
            slim["member"] = [_ids_format(m) for m in value["member"]]
        return slim
    return value


V2_ONLY_CONTEXT = ("contextAgents", "contextGroups")


def _without_v2_context(body: dict) -> dict:
    context = body.get("context")
    if isinstance(context, dict) and any(name in context for name in V2_ONLY_CONTEXT):
        body = {**body, "context": {k: v for k, v in context.items() if k not in V2_ONLY_CONTEXT}}
        if not body["context"]:
            del body["context"]
    return body


def _for_v1(data: dict) -> dict:
    """A statement stored through 2.0, in the shape a 1.0.3 reader accepts: without the properties 2.0 added
    (context agents and groups, in the statement and its sub-statement) and with a 1.0 version."""
    if not str(data.get("version", "")).startswith("2."):
        return data
    data = _without_v2_context({**data, "version": "1.0.0"})
    target = data.get("object")
    if isinstance(target, dict) and target.get("objectType") == "SubStatement":
        data["object"] = _without_v2_context(target)
    return data


def _format(data: dict, fmt: str, accept_language: str | None = None, version: str = V2) -> dict:
    if version == V1:
        data = _for_v1(data)
    if fmt == "canonical":
        return languages.canonical(data, accept_language)
    if fmt != "ids":
        return data
    data = dict(data)
    data["actor"] = _ids_format(data["actor"])
    data["verb"] = {"id": data["verb"]["id"]}
    target = data["object"]
    if target.get("objectType", "Activity") == "Activity":
        data["object"] = {"objectType": "Activity", "id": target["id"]}
    elif target.get("objectType") in ("Agent", "Group"):
        data["object"] = _ids_format(target)
    if "authority" in data:
        data["authority"] = _ids_format(data["authority"])
    return data


def _shas(items: list[dict]) -> list[str]:
    found = []
    for data in items:
        for attachment in data.get("attachments") or []:
            found.append(attachment["sha2"])
        target = data.get("object") or {}
        if target.get("objectType") == "SubStatement":
            found += [a["sha2"] for a in target.get("attachments") or []]
    return found


def _answer_statements(payload, items: list[dict], attachments: bool) -> HttpResponse:
    if attachments:
        return _multipart(payload, _shas(items))
    return JsonResponse(payload, safe=False, json_dumps_params={"ensure_ascii": False})


def _get_statements(request, client, version: str, params: dict) -> HttpResponse:
    unknown = set(params) - STATEMENT_PARAMS
    if unknown:
        raise Invalid(f"unknown parameters {sorted(unknown)}")
    fmt = params.get("format", "exact")
    if fmt not in ("exact", "ids", "canonical"):
        raise Invalid("format must be exact, ids or canonical")
    attachments = _bool_param(params, "attachments")
    now = timezone.now()
    single = params.get("statementId") or params.get("voidedStatementId")
    if single:
        if "statementId" in params and "voidedStatementId" in params:
            raise Invalid("statementId and voidedStatementId exclude each other")
        if set(params) - {"statementId", "voidedStatementId", "format", "attachments"}:
            raise Invalid("statementId takes no other filters")
        validation.uuid(single, "statementId")
        row = selectors.statements_visible(client).filter(statement_id=single.lower()).first()
        if row is None or row.voided != ("voidedStatementId" in params):
            raise HttpError(404, "no such statement")
        shown = _format(row.data, fmt, request.headers.get("Accept-Language"), version)
        response = _answer_statements(shown, [row.data], attachments)
        response["Last-Modified"] = http_date(row.stored.timestamp())
        response["X-Experience-API-Consistent-Through"] = services._iso(now)
        return response
    query = {
        "agent": _agent_param(params, required=False),
        "verb": validation.iri(params["verb"], "verb") if "verb" in params else None,
        "activity": validation.iri(params["activity"], "activity") if "activity" in params else None,
        "registration": validation.uuid(params["registration"], "registration").lower()
        if "registration" in params else None,
        "related_agents": _bool_param(params, "related_agents"),
        "related_activities": _bool_param(params, "related_activities"),
        "since": _time_param(params, "since", V1), "until": _time_param(params, "until", V1),
        "ascending": _bool_param(params, "ascending"),
    }
    try:
        limit = int(params.get("limit", 0))
    except ValueError:
        raise Invalid("limit must be a whole number") from None
    if limit < 0:
        raise Invalid("limit must not be negative")
    return _page(request, client, params, query, limit or PAGE_SIZE, fmt, attachments, after=None, now=now,
                 version=version)


def _page(request, client, params, query, limit, fmt, attachments, *, after, now, version) -> HttpResponse:
    rows = selectors.statements_query(client=client, after=after, limit=limit, **query)
    limit = max(1, min(limit, selectors.MAX_LIMIT))
    more = ""
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        token = signing.dumps({"p": params, "c": client.pk, "s": last.stored.isoformat(), "k": last.pk},
                              salt=MORE_SALT, compress=True)
        more = reverse("xapi:more", args=[token])
    items = [row.data for row in rows]
    accept_language = request.headers.get("Accept-Language")
    shown = [_format(d, fmt, accept_language, version) for d in items]
    response = _answer_statements({"statements": shown, "more": more}, items, attachments)
    response["X-Experience-API-Consistent-Through"] = services._iso(now)
    return response


@endpoint
def more(request, token: str, *, client, version):
    if request.method != "GET":
        raise HttpError(405, "GET only")
    try:
        state = signing.loads(token, salt=MORE_SALT, max_age=24 * 3600)
    except signing.BadSignature:
        raise HttpError(404, "this more link is unknown or has expired") from None
    if state["c"] != client.pk:
        raise HttpError(403, "this more link belongs to another client")
    params = state["p"]
    query = {
        "agent": _agent_param(params, required=False),
        "verb": params.get("verb"), "activity": params.get("activity"),
        "registration": params["registration"].lower() if "registration" in params else None,
        "related_agents": _bool_param(params, "related_agents"),
        "related_activities": _bool_param(params, "related_activities"),
        "since": _time_param(params, "since", V1), "until": _time_param(params, "until", V1),
        "ascending": _bool_param(params, "ascending"),
    }
    limit = int(params.get("limit", 0)) or PAGE_SIZE
    after = (dt.datetime.fromisoformat(state["s"]), state["k"])
    return _page(request, client, params, query, limit, params.get("format", "exact"),
                 _bool_param(params, "attachments"), after=after, now=timezone.now(), version=version)


@endpoint
def statements(request, *, client, version):
    params = _params(request)
    if request.method in ("GET", "HEAD"):
        return _get_statements(request, client, version, params)
    if request.method not in ("PUT", "POST"):
        raise HttpError(405, "GET, PUT or POST")
    body, parts = _parse_body(request)
    authority = _authority(request, client)
    if request.method == "PUT":
        if set(params) - {"statementId"}:
            raise Invalid("PUT takes only statementId")
        if "statementId" not in params:
            raise Invalid("PUT needs statementId")
        if not isinstance(body, dict):
            raise Invalid("PUT takes one statement")
        services.statements_store(client=client, statements=[body], version=version, authority=authority,
                                  parts=parts, statement_id=params["statementId"])
        return HttpResponse(status=204)
    if params:
        raise Invalid(f"unknown parameters {sorted(params)}")
    items = body if isinstance(body, list) else [body]
    if not items or not all(isinstance(item, dict) for item in items):
        raise Invalid("POST takes a statement or an array of statements")
    ids = services.statements_store(client=client, statements=items, version=version, authority=authority,
                                    parts=parts)
    return JsonResponse(ids, safe=False)


# --- documents ---------------------------------------------------------------------------------------------------

def _document_response(document: Document) -> HttpResponse:
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["ETag"] = f'"{document.etag}"'
    response["Last-Modified"] = http_date(document.updated.timestamp())
    return response


def _documents(request, version: str, *, kind: str, key: dict, id_param: str, allowed: set[str],
               etag_required: bool) -> HttpResponse:
    params = _params(request)
    unknown = set(params) - allowed
    if unknown:
        raise Invalid(f"unknown parameters {sorted(unknown)}")
    doc_id = params.get(id_param)
    if doc_id is not None and len(doc_id) > 1000:
        raise Invalid(f"{id_param} is too long for this LRS")
    key = {"kind": kind, **key}
    if request.method in ("GET", "HEAD"):
        if doc_id is None:
            since = _time_param(params, "since", V1)
            return JsonResponse(selectors.document_ids(key=key, since=since), safe=False)
        document = Document.objects.filter(**key, document_id=doc_id).first()
        if document is None:
            raise HttpError(404, "no such document")
        return _document_response(document)
    if request.method == "DELETE":
        if doc_id is None and kind != Document.Kind.STATE:
            raise Invalid(f"{id_param} is required")
        services.documents_delete(key={**key, "document_id": doc_id} if doc_id is not None else key,
                                  if_match=request.headers.get("If-Match"), single=doc_id is not None)
        return HttpResponse(status=204)
    if request.method not in ("PUT", "POST"):
        raise HttpError(405, "GET, PUT, POST or DELETE")
    if doc_id is None:
        raise Invalid(f"{id_param} is required")
    if "since" in params:
        raise Invalid("since is only for GET")
    document = services.document_save(
        key={**key, "document_id": doc_id}, content=request.body,
        content_type=(request.headers.get("Content-Type") or "application/octet-stream").split(";")[0].strip(),
        merge=request.method == "POST", if_match=request.headers.get("If-Match"),
        if_none_match=request.headers.get("If-None-Match"),
        etag_required=etag_required and request.method == "PUT",
    )
    response = HttpResponse(status=204)
    response["ETag"] = f'"{document.etag}"'
    return response


def _activity_param(params: dict) -> str:
    if "activityId" not in params:
        raise Invalid("activityId is required")
    if len(params["activityId"]) > 1000:
        raise Invalid("activityId is too long for this LRS")
    return validation.iri(params["activityId"], "activityId")


@endpoint
def state(request, *, client, version):
    params = _params(request)
    registration = params.get("registration", "")
    if registration:
        registration = validation.uuid(registration, "registration").lower()
    key = {"activity": _activity_param(params), "agent": _agent_param(params), "registration": registration}
    return _documents(request, version, kind=Document.Kind.STATE, key=key, id_param="stateId",
                      allowed={"activityId", "agent", "registration", "stateId", "since"},
                      etag_required=version == V2)


@endpoint
def activity_profile(request, *, client, version):
    params = _params(request)
    return _documents(request, version, kind=Document.Kind.ACTIVITY_PROFILE,
                      key={"activity": _activity_param(params), "agent": "", "registration": ""},
                      id_param="profileId", allowed={"activityId", "profileId", "since"}, etag_required=True)


@endpoint
def agent_profile(request, *, client, version):
    params = _params(request)
    return _documents(request, version, kind=Document.Kind.AGENT_PROFILE,
                      key={"activity": "", "agent": _agent_param(params), "registration": ""},
                      id_param="profileId", allowed={"agent", "profileId", "since"}, etag_required=True)


@endpoint
def activities(request, *, client, version):
    """The activity as last described in a statement this LRS holds (never fetched from its IRI)."""
    params = _params(request)
    if request.method != "GET":
        raise HttpError(405, "GET only")
    activity_id = _activity_param(params)
    found = {"objectType": "Activity", "id": activity_id}
    latest = (Statement.objects.filter(activity=activity_id, voided=False).order_by("-stored", "-pk")
              .values_list("data", flat=True).first())
    if latest and "definition" in latest["object"]:
        found["definition"] = latest["object"]["definition"]
    return JsonResponse(found)


@endpoint
def agents(request, *, client, version):
    """The Person object for an agent: this LRS knows each agent by the one identifier it is asked with."""
    params = _params(request)
    if request.method != "GET":
        raise HttpError(405, "GET only")
    if "agent" not in params:
        raise Invalid("agent is required")
    value = _json_param(params, "agent")
    validation.agent(value, "agent")
    person = {"objectType": "Person"}
    for name in ("name", "mbox", "mbox_sha1sum", "openid", "account"):
        if name in value:
            person[name] = [value[name]]
    return JsonResponse(person)
