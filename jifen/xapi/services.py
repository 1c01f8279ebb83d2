"""Writes of the Learning Record Store: clients, statements (and what they earn), documents, mappings."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import json
import secrets
import uuid as uuidlib

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jifen.catalog.models import Course
from jifen.core.errors import ApplicationError
from jifen.ledger import services as ledger
from jifen.ledger.models import Entry, EntryKind
from jifen.org.models import OrgUnit, Person
from jifen.org.selectors import people_in_subtree
from jifen.rules.models import Event, EventType
from jifen.rules.services import EventIn, record_events
from jifen.xapi import signatures, validation
from jifen.xapi.models import (
    ActivityMapping,
    Attachment,
    Document,
    Outcome,
    Statement,
    StatementLink,
    Unmatched,
    VerbMapping,
    XapiClient,
)
from jifen.xapi.validation import V1, V2, VOIDED, Invalid, agent_key

EVENT_KEY_PREFIX = "xapi:"
VOID_REASON = gettext_noop("The xAPI statement that earned this was voided.")


class Conflict(Exception):
    """409: a statement id already stored with other content, or a document changed without an ETag."""


class PreconditionFailed(Exception):
    """412: the If-Match / If-None-Match precondition does not hold."""


# --- clients -----------------------------------------------------------------------------------------------------

def _secret_hash(secret: str) -> str:
    # The secret is 32 random bytes: a plain SHA-256 is enough and keeps every request fast.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def client_create(*, name: str, org_unit: OrgUnit | None = None, read_all: bool = False) -> tuple[XapiClient, str]:
    """Create a client system; answer it and its secret, which is shown only this once."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("A client needs a name."), field="name")
    if XapiClient.objects.filter(name=name).exists():
        raise ApplicationError(_("There is already an xAPI client named %(name)s.") % {"name": name}, field="name")
    secret = secrets.token_urlsafe(32)
    client = XapiClient.objects.create(name=name, key=secrets.token_hex(10), secret_hash=_secret_hash(secret),
                                       org_unit=org_unit, read_all=read_all)
    return client, secret


def client_authenticate(*, key: str, secret: str, now: dt.datetime | None = None) -> XapiClient | None:
    client = XapiClient.objects.filter(key=key, active=True).select_related("org_unit").first()
    if client is None or not hmac.compare_digest(client.secret_hash, _secret_hash(secret)):
        return None
    now = now or timezone.now()
    if client.last_used_at is None or now - client.last_used_at > dt.timedelta(minutes=5):
        XapiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    return client


# --- statements --------------------------------------------------------------------------------------------------

def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical(data: dict) -> dict:
    """A statement without what the LRS itself may add or reformat, for the "same statement?" comparison."""
    data = copy.deepcopy(data)
    for key in ("authority", "stored", "version", "id"):
        data.pop(key, None)
    if "timestamp" in data:
        data["timestamp"] = _iso(validation.timestamp(data["timestamp"], "timestamp", V1))
    for holder in (data, data.get("object") if isinstance(data.get("object"), dict) else {}):
        activities = (holder.get("context") or {}).get("contextActivities")
        if isinstance(activities, dict):
            for key, value in list(activities.items()):
                activities[key] = value if isinstance(value, list) else [value]
    return data


def _links(data: dict) -> list[tuple[str, str, bool]]:
    found: list[tuple[str, str, bool]] = []

    def add_actor(value, direct):
        if not isinstance(value, dict):
            return
        key = agent_key(value)
        if key:
            found.append((StatementLink.Kind.AGENT, key, direct))
        for member in value.get("member") or []:
            member_key = agent_key(member)
            if member_key:
                found.append((StatementLink.Kind.AGENT, member_key, False))

    def add_context(context):
        if not isinstance(context, dict):
            return
        add_actor(context.get("instructor"), False)
        add_actor(context.get("team"), False)
        for item in context.get("contextAgents") or []:
            add_actor(item.get("agent"), False)
        for item in context.get("contextGroups") or []:
            add_actor(item.get("group"), False)
        for items in (context.get("contextActivities") or {}).values():
            for item in items if isinstance(items, list) else [items]:
                found.append((StatementLink.Kind.ACTIVITY, item["id"], False))

    def add_body(body, direct):
        add_actor(body.get("actor"), direct)
        target = body.get("object") or {}
        kind = target.get("objectType", "Activity")
        if kind == "Activity":
            found.append((StatementLink.Kind.ACTIVITY, target["id"], direct))
        elif kind in ("Agent", "Group"):
            add_actor(target, direct)
        elif kind == "SubStatement":
            add_body(target, False)
        add_context(body.get("context"))

    add_body(data, True)
    add_actor(data.get("authority"), False)
    unique: dict[tuple[str, str], bool] = {}
    for kind, value, direct in found:
        unique[(kind, value[:1000])] = unique.get((kind, value[:1000]), False) or direct
    return [(kind, value, direct) for (kind, value), direct in unique.items()]


def statements_store(*, client: XapiClient, statements: list[dict], version: str, authority: dict,
                     parts: dict[str, tuple[str, bytes]] | None = None, statement_id: str | None = None,
                     now: dt.datetime | None = None, retry: bool = True) -> list[str]:
    """Validate and store a batch (all or nothing), then match what it says to events. Answers the ids in order.
    A statement id stored before with the same content is left as it is; with other content it is a Conflict."""
    now = now or timezone.now()
    parts = parts or {}
    if not isinstance(statements, list) or not statements:
        raise Invalid("no statements")
    for index, item in enumerate(statements):
        try:
            validation.validate_statement(item, version)
        except Invalid as error:
            raise Invalid(f"[{index}] {error}") from None
    if statement_id is not None:
        validation.uuid(statement_id, "statementId")
        if len(statements) != 1:
            raise Invalid("PUT takes one statement")
        if "id" in statements[0] and statements[0]["id"].lower() != statement_id.lower():
            raise Invalid("the statement's id differs from statementId")
        statements = [{**statements[0], "id": statement_id}]
    ids = [(item.get("id") or str(uuidlib.uuid4())).lower() for item in statements]
    if len(set(ids)) != len(ids):
        raise Invalid("a batch names the same statement id twice")
    _check_attachments(statements, parts)
    signatures.check_all([{**item, "id": sid} for sid, item in zip(ids, statements, strict=True)],
                         lambda sha: _attachment_content(sha, parts))
    with transaction.atomic():
        existing = {str(row.statement_id): row for row in Statement.objects.filter(statement_id__in=ids)}
        fresh: list[Statement] = []
        for sid, item in zip(ids, statements, strict=True):
            if sid in existing:
                before = canonical(existing[sid].data)
                if "timestamp" not in item:  # the LRS filled it in: the resent statement may leave it out again
                    before.pop("timestamp", None)
                if before != canonical(item):
                    raise Conflict(f"statement {sid} is already stored with other content")
                continue
            fresh.append(_statement_row(sid, item, client=client, version=version, authority=authority, now=now))
        if not fresh:
            return ids
        _store_parts(parts)
        try:
            with transaction.atomic():
                Statement.objects.bulk_create(fresh)
        except IntegrityError:
            # Another request stored some of these ids at the same moment: look again (same content is fine).
            if not retry:
                raise Conflict("a statement with this id was stored at the same moment") from None
            named = [{**item, "id": sid} for sid, item in zip(ids, statements, strict=True)]
            return statements_store(client=client, statements=named, version=version, authority=authority,
                                    parts=parts, statement_id=statement_id, now=now, retry=False)
        fresh = list(Statement.objects.filter(statement_id__in=[row.statement_id for row in fresh]).order_by("pk"))
        StatementLink.objects.bulk_create([
            StatementLink(statement=row, kind=kind, value=value, direct=direct)
            for row in fresh for kind, value, direct in _links(row.data)
        ])
        _apply_voiding(fresh, now=now)
        _intake([row for row in fresh if not row.voided and row.outcome != Outcome.VOIDING], client=client, now=now)
    return ids


def _check_attachments(statements: list[dict], parts: dict[str, tuple[str, bytes]]) -> None:
    wanted = set()
    for item in statements:
        for attachment in item.get("attachments") or []:
            if "fileUrl" not in attachment:
                wanted.add(attachment["sha2"])
        body = item.get("object") or {}
        for attachment in body.get("attachments") or [] if body.get("objectType") == "SubStatement" else []:
            if "fileUrl" not in attachment:
                wanted.add(attachment["sha2"])
    missing = {sha for sha in wanted if sha not in parts and not Attachment.objects.filter(sha2=sha).exists()}
    if missing:
        raise Invalid(f"attachment content missing for {sorted(missing)}")
    extra = set(parts) - wanted
    if extra:
        raise Invalid(f"attachment parts that no statement names: {sorted(extra)}")


def _attachment_content(sha: str, parts: dict[str, tuple[str, bytes]]) -> bytes | None:
    if sha in parts:
        return parts[sha][1]
    stored = Attachment.objects.filter(sha2=sha).values_list("content", flat=True).first()
    return bytes(stored) if stored is not None else None


def _store_parts(parts: dict[str, tuple[str, bytes]]) -> None:
    known = set(Attachment.objects.filter(sha2__in=list(parts)).values_list("sha2", flat=True))
    Attachment.objects.bulk_create(
        [Attachment(sha2=sha, content_type=ctype, content=content) for sha, (ctype, content) in parts.items()
         if sha not in known],
        ignore_conflicts=True,
    )


def _statement_row(sid: str, item: dict, *, client, version: str, authority: dict, now: dt.datetime) -> Statement:
    data = {**item, "id": sid, "stored": _iso(now), "authority": authority}
    data.setdefault("timestamp", data["stored"])
    data.setdefault("version", "2.0.0" if version == V2 else "1.0.0")
    target = data["object"]
    voids = target["id"].lower() if data["verb"]["id"] == VOIDED else None
    actor = data["actor"]
    registration = (data.get("context") or {}).get("registration")
    return Statement(
        statement_id=sid, data=data, version=data["version"], stored=now, client=client,
        timestamp=validation.timestamp(data["timestamp"], "timestamp", V1),
        verb=data["verb"]["id"][:1000],
        activity=target["id"][:1000] if target.get("objectType", "Activity") == "Activity" else "",
        agent=agent_key(actor)[:600], registration=registration, voids=voids,
        outcome=Outcome.VOIDING if voids else Outcome.UNMATCHED,
    )


def _apply_voiding(fresh: list[Statement], *, now: dt.datetime) -> None:
    """Void what the new voiding statements name, and mark new statements that were voided before they came."""
    targets = [row.voids for row in fresh if row.voids]
    if targets:
        # A voiding statement cannot itself be voided.
        for target in Statement.objects.filter(statement_id__in=targets, voided=False, voids__isnull=True):
            _void(target, now=now)
    early = set(Statement.objects.filter(voids__in=[row.statement_id for row in fresh if not row.voids])
                .values_list("voids", flat=True))
    for row in fresh:
        if row.statement_id in early:
            _void(row, now=now)


def _void(row: Statement, *, now: dt.datetime) -> None:
    row.voided = True
    Statement.objects.filter(pk=row.pk).update(voided=True)
    if row.event_id is None:
        return
    entries = Entry.objects.filter(
        source_type=ContentType.objects.get_for_model(Event), source_id=row.event_id, reverses__isnull=True,
    ).exclude(kind__in=(EntryKind.REVERSAL, EntryKind.EXPIRY)).order_by("pk")
    for entry in entries:
        if Entry.objects.filter(reverses=entry).exists():
            continue
        try:
            with transaction.atomic():  # a savepoint: a refused reversal leaves the rest of the request intact
                ledger.reverse(entry=entry, key=f"xapi-void:{entry.pk}", reason=_(VOID_REASON), now=now)
        except ApplicationError as error:
            # The voiding statement is stored whatever happens; a reversal the ledger refuses is shown, not lost.
            row.detail = str(error.message)[:300]
            Statement.objects.filter(pk=row.pk).update(detail=row.detail)


def _people_for(statements: list[Statement], scope) -> dict[int, Person]:
    emails, numbers, hashes = set(), set(), set()
    for row in statements:
        actor = row.data["actor"]
        if "mbox" in actor:
            emails.add(actor["mbox"][len("mailto:"):].lower())
        elif "account" in actor:
            numbers.add(actor["account"]["name"])
        elif "mbox_sha1sum" in actor:
            hashes.add(actor["mbox_sha1sum"].lower())
    if hashes:
        # A hashed address can only be compared with every address in scope; done only when one is sent.
        for email in scope.exclude(email="").values_list("email", flat=True):
            if hashlib.sha1(f"mailto:{email.lower()}".encode()).hexdigest() in hashes:  # noqa: S324 - xAPI's hash
                emails.add(email.lower())
    by_email: dict[str, Person | None] = {}
    for person in scope.annotate(email_lower=Lower("email")).filter(email_lower__in=emails):
        # Two people with one address: the statement cannot say which of them learned.
        by_email[person.email_lower] = None if person.email_lower in by_email else person
    by_number = {p.employee_no: p for p in scope.filter(employee_no__in=numbers)}
    by_sha1 = {hashlib.sha1(f"mailto:{email}".encode()).hexdigest(): person  # noqa: S324 - xAPI's hash
               for email, person in by_email.items()}
    found = {}
    for row in statements:
        actor = row.data["actor"]
        if "mbox" in actor:
            person = by_email.get(actor["mbox"][len("mailto:"):].lower())
        elif "account" in actor:
            person = by_number.get(actor["account"]["name"])
        elif "mbox_sha1sum" in actor:
            person = by_sha1.get(actor["mbox_sha1sum"].lower())
        else:
            person = None
        if person is not None:
            found[row.pk] = person
    return found


def _score(result: dict):
    score = result.get("score") or {}
    if "raw" in score:
        return score["raw"]
    if "scaled" in score:
        return round(score["scaled"] * 100, 2)
    return None


def _intake(rows: list[Statement], *, client: XapiClient, now: dt.datetime) -> None:
    """Match statements to people, event types and courses; record an event for each that earns something.
    The event's key is the statement id, so however often a statement is processed it posts once."""
    if not rows:
        return
    scope = people_in_subtree(client.org_unit) if client.org_unit_id else Person.objects.all()
    people = _people_for(rows, scope)
    verbs = dict(VerbMapping.objects.filter(verb__in={r.verb for r in rows}).values_list("verb", "event_type"))
    courses = {m.activity: m.course for m in ActivityMapping.objects.filter(activity__in={r.activity for r in rows})
               .select_related("course")}
    events: list[tuple[Statement, EventIn]] = []
    for row in rows:
        row.reason, row.detail, row.event_id = "", "", None
        person = people.get(row.pk)
        if person is None:
            row.outcome, row.reason = Outcome.UNMATCHED, Unmatched.UNKNOWN_ACTOR
        elif row.verb not in verbs:
            row.outcome, row.reason = Outcome.UNMATCHED, Unmatched.UNMAPPED_VERB
        elif row.activity not in courses:
            row.outcome, row.reason = Outcome.UNMATCHED, Unmatched.UNMAPPED_ACTIVITY
        else:
            result = row.data.get("result") or {}
            if not (result.get("success") is True or result.get("completion") is True):
                row.outcome = Outcome.NO_CREDIT
                continue
            data = {"statement": str(row.statement_id), "verb": row.verb, "activity": row.activity}
            score = _score(result)
            if score is not None:
                data["score"] = score
            if "duration" in result:
                data["duration"] = result["duration"]
            events.append((row, EventIn(key=f"{EVENT_KEY_PREFIX}{row.statement_id}", type=verbs[row.verb],
                                        person=person.employee_no, occurred_at=row.timestamp,
                                        course=courses[row.activity].code, data=data)))
    if events:
        results = record_events(events=[e for _row, e in events], source="xapi", people=scope, now=now)
        keys = dict(Event.objects.filter(key__in=[e.key for _row, e in events]).values_list("key", "pk"))
        for (row, event), outcome in zip(events, results, strict=True):
            if outcome.status in ("posted", "duplicate") and event.key in keys:
                row.outcome, row.event_id = Outcome.POSTED, keys[event.key]
            else:
                row.outcome, row.reason, row.detail = Outcome.UNMATCHED, Unmatched.REJECTED, (outcome.error or "")[:300]
    Statement.objects.bulk_update(rows, ["outcome", "reason", "detail", "event"])


def statements_reprocess(*, now: dt.datetime | None = None) -> int:
    """Match the unmatched statements again (after a mapping or a person was added); answer how many now match."""
    now = now or timezone.now()
    matched = 0
    for client in XapiClient.objects.filter(statements__outcome=Outcome.UNMATCHED).distinct().order_by("pk"):
        ids = list(Statement.objects.filter(client=client, outcome=Outcome.UNMATCHED, voided=False)
                   .order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), 500):
            with transaction.atomic():
                rows = list(Statement.objects.select_for_update().filter(pk__in=ids[start:start + 500],
                                                                         outcome=Outcome.UNMATCHED))
                _intake(rows, client=client, now=now)
                matched += sum(1 for row in rows if row.outcome != Outcome.UNMATCHED)
    return matched


# --- mappings ----------------------------------------------------------------------------------------------------

def verb_mapping_save(*, verb: str, event_type: str) -> VerbMapping:
    verb = (verb or "").strip()
    if not validation.IRI.match(verb):
        raise ApplicationError(_("A verb is an IRI such as http://adlnet.gov/expapi/verbs/completed."), field="verb")
    if event_type not in EventType.values:
        raise ApplicationError(_("Choose an event type."), field="event_type")
    mapping, _created = VerbMapping.objects.update_or_create(verb=verb, defaults={"event_type": event_type})
    return mapping


def activity_mapping_save(*, activity: str, course: Course) -> ActivityMapping:
    activity = (activity or "").strip()
    if not validation.IRI.match(activity):
        raise ApplicationError(_("An activity id is an IRI such as https://lms.example.com/courses/safety."),
                               field="activity")
    mapping, _created = ActivityMapping.objects.update_or_create(activity=activity, defaults={"course": course})
    return mapping


# --- documents ---------------------------------------------------------------------------------------------------

def _etag(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()  # noqa: S324 - an ETag, not a secret


def _precondition(existing: Document | None, if_match: str | None, if_none_match: str | None) -> None:
    if if_match is not None:
        tags = {tag.strip().strip('"') for tag in if_match.split(",")}
        if existing is None or ("*" not in tags and existing.etag not in tags):
            raise PreconditionFailed("If-Match does not match")
    if if_none_match is not None:
        tags = {tag.strip().strip('"') for tag in if_none_match.split(",")}
        if existing is not None and ("*" in tags or existing.etag in tags):
            raise PreconditionFailed("If-None-Match matches")


@transaction.atomic
def document_save(*, key: dict, content: bytes, content_type: str, merge: bool, if_match: str | None = None,
                  if_none_match: str | None = None, etag_required: bool = False,
                  now: dt.datetime | None = None) -> Document:
    """PUT (replace) or POST (merge JSON objects) one document; ETags guard against lost updates."""
    now = now or timezone.now()
    existing = Document.objects.select_for_update().filter(**key).first()
    _precondition(existing, if_match, if_none_match)
    if existing is not None and etag_required and if_match is None and if_none_match is None:
        raise Conflict("this document exists: send If-Match or If-None-Match")
    if merge and existing is not None:
        is_json = "application/json" in content_type and "application/json" in existing.content_type
        try:
            old, new = json.loads(bytes(existing.content)), json.loads(content)
        except ValueError:
            is_json = False
        if not is_json or not isinstance(old, dict) or not isinstance(new, dict):
            raise Invalid("POST merges only JSON objects")
        content = json.dumps({**old, **new}, ensure_ascii=False).encode()
        content_type = "application/json"
    elif merge:
        try:
            if "application/json" not in content_type or not isinstance(json.loads(content), dict):
                raise Invalid("POST takes a JSON object as application/json")
        except ValueError:
            raise Invalid("the body is not JSON") from None
    if existing is None:
        return Document.objects.create(**key, content=content, content_type=content_type, etag=_etag(content),
                                       updated=now)
    existing.content, existing.content_type, existing.etag, existing.updated = (
        content, content_type, _etag(content), now)
    existing.save(update_fields=["content", "content_type", "etag", "updated"])
    return existing


@transaction.atomic
def documents_delete(*, key: dict, if_match: str | None = None, single: bool = True) -> int:
    found = list(Document.objects.select_for_update().filter(**key))
    if single:
        _precondition(found[0] if found else None, if_match, None)
    return Document.objects.filter(pk__in=[d.pk for d in found]).delete()[0]
