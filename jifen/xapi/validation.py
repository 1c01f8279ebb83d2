"""Statement validation by the xAPI specification (1.0.3 and 2.0 / IEEE 9274.1.1), strict as an LRS must be:
unknown properties, nulls, wrong forms and broken inverse functional identifier rules are rejected (400).

``validate_statement(data, version=V2)`` raises ``Invalid`` with the path of the first fault."""

from __future__ import annotations

import datetime as dt
import re

V1 = "1.0.3"
V2 = "2.0.0"

IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MBOX = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
SHA2 = re.compile(r"^[0-9a-fA-F]{56,128}$")
# RFC 5646 in form: a 2-3 letter language (or x- / i- private and grandfathered tags), then subtags.
LANGUAGE = re.compile(r"^(?:[A-Za-z]{2,3}|[xXiI])(-[A-Za-z0-9]{1,8})*$")
_NUM = r"\d+(?:[.,]\d+)?"
DURATION = re.compile(
    rf"^P(?!$)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?$"
)
TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?$"
)
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
INTERACTION_TYPES = {
    "true-false": set(), "choice": {"choices"}, "fill-in": set(), "long-fill-in": set(), "matching": {"source", "target"},
    "performance": {"steps"}, "sequencing": {"choices"}, "likert": {"scale"}, "numeric": set(), "other": set(),
}
COMPONENT_LISTS = {"choices", "scale", "source", "target", "steps"}


class Invalid(ValueError):
    pass


def _fail(path: str, message: str):
    raise Invalid(f"{path}: {message}")


def _object(value, path: str, allowed: set[str], required: set[str] = frozenset()) -> dict:
    if not isinstance(value, dict):
        _fail(path, "must be an object")
    unknown = set(value) - allowed
    if unknown:
        _fail(path, f"unknown properties {sorted(unknown)}")
    for key, item in value.items():
        if item is None:
            _fail(f"{path}.{key}", "must not be null")
    missing = required - set(value)
    if missing:
        _fail(path, f"missing {sorted(missing)}")
    return value


def _string(value, path: str) -> str:
    if not isinstance(value, str):
        _fail(path, "must be a string")
    return value


def _bool(value, path: str) -> bool:
    if not isinstance(value, bool):
        _fail(path, "must be true or false")
    return value


def _number(value, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(path, "must be a number")
    return value


def iri(value, path: str) -> str:
    if not isinstance(value, str) or not IRI.match(value):
        _fail(path, "must be an absolute IRI")
    return value


def uuid(value, path: str) -> str:
    if not isinstance(value, str) or not UUID.match(value):
        _fail(path, "must be a UUID")
    return value


def timestamp(value, path: str, version: str = V2) -> dt.datetime:
    match = TIMESTAMP.match(value) if isinstance(value, str) else None
    if match is None:
        _fail(path, "must be an ISO 8601 date and time")
    zone = match.group("zone")
    if version == V2 and not zone:
        _fail(path, "must include a time zone")
    if zone and zone.startswith("-") and not zone.strip("-:0"):
        _fail(path, "must not use the offset -00:00")
    try:
        moment = dt.datetime.fromisoformat(value.replace(",", ".").replace("Z", "+00:00"))
    except ValueError:
        _fail(path, "is not a valid date and time")
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def duration(value, path: str) -> str:
    if not isinstance(value, str) or not DURATION.match(value):
        _fail(path, "must be an ISO 8601 duration")
    return value


def language_map(value, path: str) -> dict:
    if not isinstance(value, dict):
        _fail(path, "must be a language map")
    for tag, text in value.items():
        if not LANGUAGE.match(tag):
            _fail(path, f"{tag!r} is not an RFC 5646 language tag")
        _string(text, f"{path}.{tag}")
    return value


def extensions(value, path: str) -> dict:
    if not isinstance(value, dict):
        _fail(path, "must be an object")
    for key in value:
        iri(key, f"{path}[{key!r}]")
    return value


# --- actors ------------------------------------------------------------------------------------------------------

IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def _ifi(value: dict, path: str, required: bool) -> None:
    present = [k for k in IFIS if k in value]
    if len(present) > 1:
        _fail(path, f"has more than one identifier {present}")
    if required and not present:
        _fail(path, "needs exactly one of mbox, mbox_sha1sum, openid, account")
    if "mbox" in value and (not isinstance(value["mbox"], str) or not MBOX.match(value["mbox"])):
        _fail(f"{path}.mbox", "must be mailto:address")
    if "mbox_sha1sum" in value and (not isinstance(value["mbox_sha1sum"], str) or not SHA1.match(value["mbox_sha1sum"])):
        _fail(f"{path}.mbox_sha1sum", "must be 40 hex digits")
    if "openid" in value:
        iri(value["openid"], f"{path}.openid")
    if "account" in value:
        account = _object(value["account"], f"{path}.account", {"homePage", "name"}, {"homePage", "name"})
        iri(account["homePage"], f"{path}.account.homePage")
        _string(account["name"], f"{path}.account.name")
    if "name" in value:
        _string(value["name"], f"{path}.name")


def agent(value, path: str, object_type_required: bool = False) -> dict:
    _object(value, path, {"objectType", "name", *IFIS})
    if object_type_required and value.get("objectType") != "Agent":
        _fail(f"{path}.objectType", "must be Agent")
    if "objectType" in value and value["objectType"] != "Agent":
        _fail(f"{path}.objectType", "must be Agent")
    _ifi(value, path, required=True)
    return value


def group(value, path: str) -> dict:
    _object(value, path, {"objectType", "name", "member", *IFIS}, {"objectType"})
    if value["objectType"] != "Group":
        _fail(f"{path}.objectType", "must be Group")
    _ifi(value, path, required=False)
    identified = any(k in value for k in IFIS)
    if "member" in value:
        if not isinstance(value["member"], list):
            _fail(f"{path}.member", "must be an array")
        for i, member in enumerate(value["member"]):
            agent(member, f"{path}.member[{i}]")
    if not identified and not value.get("member"):
        _fail(path, "an anonymous group needs members")
    return value


def actor(value, path: str) -> dict:
    if isinstance(value, dict) and value.get("objectType") == "Group":
        return group(value, path)
    return agent(value, path)


# --- objects -----------------------------------------------------------------------------------------------------

def _components(value, path: str) -> None:
    if not isinstance(value, list):
        _fail(path, "must be an array")
    seen = set()
    for i, item in enumerate(value):
        _object(item, f"{path}[{i}]", {"id", "description"}, {"id"})
        _string(item["id"], f"{path}[{i}].id")
        if item["id"] in seen:
            _fail(f"{path}[{i}].id", "is not unique")
        seen.add(item["id"])
        if "description" in item:
            language_map(item["description"], f"{path}[{i}].description")


def definition(value, path: str) -> dict:
    _object(value, path, {"name", "description", "type", "moreInfo", "extensions", "interactionType",
                          "correctResponsesPattern", *COMPONENT_LISTS})
    for key in ("name", "description"):
        if key in value:
            language_map(value[key], f"{path}.{key}")
    for key in ("type", "moreInfo"):
        if key in value:
            iri(value[key], f"{path}.{key}")
    if "extensions" in value:
        extensions(value["extensions"], f"{path}.extensions")
    kind = value.get("interactionType")
    lists = COMPONENT_LISTS & set(value)
    if kind is None:
        if lists or "correctResponsesPattern" in value:
            _fail(path, "interaction components need an interactionType")
        return value
    if kind not in INTERACTION_TYPES:
        _fail(f"{path}.interactionType", f"{kind!r} is not an interaction type")
    if lists - INTERACTION_TYPES[kind]:
        _fail(path, f"{sorted(lists - INTERACTION_TYPES[kind])} do not belong to a {kind} interaction")
    for key in lists:
        _components(value[key], f"{path}.{key}")
    if "correctResponsesPattern" in value:
        pattern = value["correctResponsesPattern"]
        if not isinstance(pattern, list) or not all(isinstance(p, str) for p in pattern):
            _fail(f"{path}.correctResponsesPattern", "must be an array of strings")
    return value


def activity(value, path: str) -> dict:
    _object(value, path, {"objectType", "id", "definition"}, {"id"})
    if value.get("objectType", "Activity") != "Activity":
        _fail(f"{path}.objectType", "must be Activity")
    iri(value["id"], f"{path}.id")
    if "definition" in value:
        definition(value["definition"], f"{path}.definition")
    return value


def statement_ref(value, path: str) -> dict:
    _object(value, path, {"objectType", "id"}, {"objectType", "id"})
    if value["objectType"] != "StatementRef":
        _fail(f"{path}.objectType", "must be StatementRef")
    uuid(value["id"], f"{path}.id")
    return value


def statement_object(value, path: str, version: str, nested: bool = False) -> dict:
    if not isinstance(value, dict):
        _fail(path, "must be an object")
    kind = value.get("objectType", "Activity")
    if kind == "Activity":
        return activity(value, path)
    if kind == "Agent":
        return agent(value, path, object_type_required=True)
    if kind == "Group":
        return group(value, path)
    if kind == "StatementRef":
        return statement_ref(value, path)
    if kind == "SubStatement" and not nested:
        return _statement_body(value, path, version, substatement=True)
    _fail(f"{path}.objectType", f"{kind!r} is not allowed here")


# --- result, context, attachments --------------------------------------------------------------------------------

def result(value, path: str) -> dict:
    _object(value, path, {"score", "success", "completion", "response", "duration", "extensions"})
    if "score" in value:
        score = _object(value["score"], f"{path}.score", {"scaled", "raw", "min", "max"})
        for key in score:
            _number(score[key], f"{path}.score.{key}")
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            _fail(f"{path}.score.scaled", "must be between -1 and 1")
        low, high = score.get("min"), score.get("max")
        if low is not None and high is not None and low >= high:
            _fail(f"{path}.score", "min must be less than max")
        if "raw" in score:
            if low is not None and score["raw"] < low:
                _fail(f"{path}.score.raw", "is below min")
            if high is not None and score["raw"] > high:
                _fail(f"{path}.score.raw", "is above max")
    for key in ("success", "completion"):
        if key in value:
            _bool(value[key], f"{path}.{key}")
    if "response" in value:
        _string(value["response"], f"{path}.response")
    if "duration" in value:
        duration(value["duration"], f"{path}.duration")
    if "extensions" in value:
        extensions(value["extensions"], f"{path}.extensions")
    return value


def _relevant_types(value, path: str) -> None:
    if not isinstance(value, list) or not value:
        _fail(path, "must be a non-empty array of IRIs")
    for i, item in enumerate(value):
        iri(item, f"{path}[{i}]")


def context(value, path: str, version: str, object_is_activity: bool) -> dict:
    allowed = {"registration", "instructor", "team", "contextActivities", "revision", "platform", "language",
               "statement", "extensions"}
    if version == V2:
        allowed |= {"contextAgents", "contextGroups"}
    _object(value, path, allowed)
    if "registration" in value:
        uuid(value["registration"], f"{path}.registration")
    if "instructor" in value:
        actor(value["instructor"], f"{path}.instructor")
    if "team" in value:
        group(value["team"], f"{path}.team")
    if "contextActivities" in value:
        activities = _object(value["contextActivities"], f"{path}.contextActivities",
                             {"parent", "grouping", "category", "other"})
        for key, items in activities.items():
            items = items if isinstance(items, list) else [items]
            for i, item in enumerate(items):
                activity(item, f"{path}.contextActivities.{key}[{i}]")
    for key in ("revision", "platform"):
        if key in value:
            _string(value[key], f"{path}.{key}")
            if not object_is_activity:
                _fail(f"{path}.{key}", "is allowed only when the object is an activity")
    if "language" in value and (not isinstance(value["language"], str) or not LANGUAGE.match(value["language"])):
        _fail(f"{path}.language", "must be an RFC 5646 language tag")
    if "statement" in value:
        statement_ref(value["statement"], f"{path}.statement")
    if "extensions" in value:
        extensions(value["extensions"], f"{path}.extensions")
    for key, kind, inner in (("contextAgents", "contextAgent", "agent"), ("contextGroups", "contextGroup", "group")):
        if key not in value:
            continue
        if not isinstance(value[key], list):
            _fail(f"{path}.{key}", "must be an array")
        for i, item in enumerate(value[key]):
            where = f"{path}.{key}[{i}]"
            _object(item, where, {"objectType", inner, "relevantTypes"}, {"objectType", inner})
            if item["objectType"] != kind:
                _fail(f"{where}.objectType", f"must be {kind}")
            (agent if inner == "agent" else group)(item[inner], f"{where}.{inner}")
            if "relevantTypes" in item:
                _relevant_types(item["relevantTypes"], f"{where}.relevantTypes")
    return value


def attachments(value, path: str) -> list:
    if not isinstance(value, list):
        _fail(path, "must be an array")
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        _object(item, where, {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"},
                {"usageType", "display", "contentType", "length", "sha2"})
        iri(item["usageType"], f"{where}.usageType")
        language_map(item["display"], f"{where}.display")
        if "description" in item:
            language_map(item["description"], f"{where}.description")
        _string(item["contentType"], f"{where}.contentType")
        if isinstance(item["length"], bool) or not isinstance(item["length"], int) or item["length"] < 0:
            _fail(f"{where}.length", "must be a whole number")
        if not isinstance(item["sha2"], str) or not SHA2.match(item["sha2"]):
            _fail(f"{where}.sha2", "must be a SHA-2 hash in hex")
        if "fileUrl" in item:
            iri(item["fileUrl"], f"{where}.fileUrl")
    return value


# --- statements --------------------------------------------------------------------------------------------------

def _statement_body(value, path: str, version: str, substatement: bool = False) -> dict:
    allowed = {"actor", "verb", "object", "result", "context", "timestamp", "attachments"}
    if substatement:
        allowed.add("objectType")
    else:
        allowed |= {"id", "stored", "authority", "version"}
    _object(value, path, allowed, {"actor", "verb", "object"})
    actor(value["actor"], f"{path}.actor")
    verb = _object(value["verb"], f"{path}.verb", {"id", "display"}, {"id"})
    iri(verb["id"], f"{path}.verb.id")
    if "display" in verb:
        language_map(verb["display"], f"{path}.verb.display")
    statement_object(value["object"], f"{path}.object", version, nested=substatement)
    if "result" in value:
        result(value["result"], f"{path}.result")
    if "context" in value:
        object_is_activity = value["object"].get("objectType", "Activity") == "Activity"
        context(value["context"], f"{path}.context", version, object_is_activity)
    if "timestamp" in value:
        timestamp(value["timestamp"], f"{path}.timestamp", version)
    if "attachments" in value:
        attachments(value["attachments"], f"{path}.attachments")
    if verb["id"] == VOIDED and value["object"].get("objectType") != "StatementRef":
        _fail(f"{path}.object", "a voiding statement's object must be a StatementRef")
    return value


def validate_statement(value, version: str = V2) -> dict:
    """Check one statement as received; answer it unchanged or raise Invalid."""
    _statement_body(value, "statement", version)
    if "id" in value:
        uuid(value["id"], "statement.id")
    if "stored" in value:
        timestamp(value["stored"], "statement.stored", version)
    if "authority" in value:
        actor(value["authority"], "statement.authority")
    if "version" in value:
        stated = value["version"]
        prefixes = ("1.0.",) if version == V1 else ("1.0.", "2.0.")
        if not isinstance(stated, str) or not re.match(r"^\d+\.\d+\.\d+$", stated) or not stated.startswith(prefixes):
            _fail("statement.version", f"{stated!r} is not a version this LRS accepts here")
    return value


def agent_key(value: dict) -> str:
    """One string per inverse functional identifier, for indexes and document keys."""
    if "mbox" in value:
        return "mbox:" + value["mbox"].lower()
    if "mbox_sha1sum" in value:
        return "sha1:" + value["mbox_sha1sum"].lower()
    if "openid" in value:
        return "openid:" + value["openid"]
    if "account" in value:
        return f"account:{value['account']['homePage']}|{value['account']['name']}"
    return ""
