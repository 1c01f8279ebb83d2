"""format=canonical: every language map of a statement reduced to the one language the reader prefers
(xAPI 1.0.3 Data 2.7.2 / 2.0 "Language Filtering"), by the request's Accept-Language."""

from __future__ import annotations

import copy

from jifen.xapi.validation import COMPONENT_LISTS


def preferences(header: str | None) -> list[str]:
    """The Accept-Language tags, most preferred first (q=0 and malformed entries left out)."""
    ranked = []
    for position, item in enumerate((header or "").split(",")):
        tag, *options = [piece.strip() for piece in item.split(";")]
        if not tag:
            continue
        weight = 1.0
        for option in options:
            if option.lower().startswith("q="):
                try:
                    weight = float(option[2:])
                except ValueError:
                    weight = -1.0
        if weight > 0:
            ranked.append((-weight, position, tag.lower()))
    return [tag for _weight, _position, tag in sorted(ranked)]


def pick(value: dict, wanted: list[str]) -> dict:
    """One entry of a language map: the best match for the wanted tags, else the first one."""
    if not isinstance(value, dict) or len(value) <= 1:
        return value
    lowered = {tag.lower(): tag for tag in value}
    for want in wanted:
        if want == "*":
            break
        if want in lowered:
            return {lowered[want]: value[lowered[want]]}
        # "zh" takes "zh-CN"; "zh-CN" falls back to "zh" (RFC 4647 lookup, then a same-language sibling).
        parts = want.split("-")
        for size in range(len(parts) - 1, 0, -1):
            prefix = "-".join(parts[:size])
            if prefix in lowered:
                return {lowered[prefix]: value[lowered[prefix]]}
        for low, tag in lowered.items():
            if low.split("-")[0] == parts[0]:
                return {tag: value[tag]}
    first = next(iter(value))
    return {first: value[first]}


def _definition(definition, wanted):
    if not isinstance(definition, dict):
        return
    for key in ("name", "description"):
        if key in definition:
            definition[key] = pick(definition[key], wanted)
    for key in COMPONENT_LISTS:
        for component in definition.get(key) or []:
            if isinstance(component, dict) and "description" in component:
                component["description"] = pick(component["description"], wanted)


def _body(body: dict, wanted: list[str]) -> None:
    verb = body.get("verb")
    if isinstance(verb, dict) and "display" in verb:
        verb["display"] = pick(verb["display"], wanted)
    target = body.get("object")
    if isinstance(target, dict):
        kind = target.get("objectType", "Activity")
        if kind == "Activity":
            _definition(target.get("definition"), wanted)
        elif kind == "SubStatement":
            _body(target, wanted)
    for activities in ((body.get("context") or {}).get("contextActivities") or {}).values():
        for item in activities if isinstance(activities, list) else [activities]:
            if isinstance(item, dict):
                _definition(item.get("definition"), wanted)
    for attachment in body.get("attachments") or []:
        for key in ("display", "description"):
            if key in attachment:
                attachment[key] = pick(attachment[key], wanted)


def canonical(data: dict, accept_language: str | None) -> dict:
    """A copy of the statement with one language in each language map."""
    data = copy.deepcopy(data)
    _body(data, preferences(accept_language))
    return data
