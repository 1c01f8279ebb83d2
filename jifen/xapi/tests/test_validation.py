"""The statement validator, property by property, against the specification's rules."""

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jifen.xapi.validation import V1, V2, Invalid, agent_key, validate_statement

BASE = {
    "actor": {"mbox": "mailto:li.lei@example.com"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
    "object": {"id": "https://lms.example.com/courses/safety"},
}


def _with(path: str, value):
    data = copy.deepcopy(BASE)
    *parents, last = path.split(".")
    target = data
    for name in parents:
        target = target.setdefault(name, {})
    target[last] = value
    return data


def test_the_smallest_statement_is_valid_in_both_versions():
    assert validate_statement(copy.deepcopy(BASE), V1) and validate_statement(copy.deepcopy(BASE), V2)


@pytest.mark.parametrize(("path", "value"), [
    ("actor.mbox", "li.lei@example.com"),                      # mbox must be a mailto IRI
    ("actor.openid", "http://openid.example.com/li"),          # two identifiers
    ("verb.id", "completed"),                                  # not an absolute IRI
    ("verb.display", {"english": "done"}),                     # not a language tag
    ("object.id", "safety course"),
    ("object.objectType", "Course"),
    ("id", "not-a-uuid"),
    ("timestamp", "yesterday"),
    ("timestamp", "2026-03-01T09:00:00-00:00"),
    ("result.score", {"scaled": 1.5}),
    ("result.score", {"raw": 120, "min": 0, "max": 100}),
    ("result.score", {"min": 10, "max": 10}),
    ("result.success", "yes"),
    ("result.duration", "1 hour"),
    ("result.extensions", {"notaniri": 1}),
    ("context.registration", "abc"),
    ("context.contextActivities", {"friends": [{"id": "https://x.example.com"}]}),
    ("context.language", "chinese simplified!"),
    ("colour", "blue"),                                        # unknown property
    ("result.response", None),                                 # null
    ("authority", {"name": "nobody"}),                         # an agent without identifier
    ("version", "0.9.5"),
])
def test_malformed_statements_are_invalid(path, value):
    with pytest.raises(Invalid):
        validate_statement(_with(path, value), V2)


def test_a_voiding_statement_must_reference_a_statement():
    voiding = _with("verb.id", "http://adlnet.gov/expapi/verbs/voided")
    with pytest.raises(Invalid):
        validate_statement(voiding, V2)
    voiding["object"] = {"objectType": "StatementRef", "id": "2ec87d9b-4cdc-4b2d-a4b1-8d9b3c7e6f10"}
    assert validate_statement(voiding, V2)


def test_groups_need_members_or_an_identifier_and_members_are_agents():
    with pytest.raises(Invalid):
        validate_statement(_with("actor", {"objectType": "Group"}), V2)
    with pytest.raises(Invalid):
        validate_statement(_with("actor", {"objectType": "Group", "member": [
            {"objectType": "Group", "mbox": "mailto:team@example.com"}]}), V2)
    assert validate_statement(_with("actor", {"objectType": "Group", "member": [
        {"mbox": "mailto:a@example.com"}, {"account": {"homePage": "https://hr.example.com", "name": "T001"}}]}), V2)


def test_context_agents_and_groups_exist_only_in_2_0_and_platform_only_for_activities():
    data = _with("context.contextGroups", [{"objectType": "contextGroup", "group": {
        "objectType": "Group", "mbox": "mailto:team@example.com"}, "relevantTypes": ["https://example.com/t"]}])
    assert validate_statement(copy.deepcopy(data), V2)
    with pytest.raises(Invalid):
        validate_statement(data, V1)
    data = _with("context.platform", "Moodle")
    data["object"] = {"objectType": "Agent", "mbox": "mailto:b@example.com"}
    with pytest.raises(Invalid):
        validate_statement(data, V2)


def test_interaction_components_belong_to_their_interaction_type():
    choice = {"interactionType": "choice", "choices": [{"id": "a", "description": {"en": "A"}}],
              "correctResponsesPattern": ["a"]}
    assert validate_statement(_with("object.definition", choice), V2)
    with pytest.raises(Invalid):
        validate_statement(_with("object.definition", {**choice, "interactionType": "true-false"}), V2)
    with pytest.raises(Invalid):
        validate_statement(_with("object.definition", {**choice, "choices": [{"id": "a"}, {"id": "a"}]}), V2)


def test_a_substatement_may_not_nest_another():
    sub = {"objectType": "SubStatement", **copy.deepcopy(BASE)}
    assert validate_statement(_with("object", sub), V2)
    with pytest.raises(Invalid):
        validate_statement(_with("object", {**sub, "object": dict(sub)}), V2)
    with pytest.raises(Invalid):
        validate_statement(_with("object", {**sub, "id": "2ec87d9b-4cdc-4b2d-a4b1-8d9b3c7e6f10"}), V2)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 1000), st.integers(0, 1000), st.integers(-2000, 2000))
def test_a_raw_score_is_valid_exactly_when_it_lies_between_min_and_max(low, span, raw):
    score = {"min": low, "max": low + span, "raw": raw}
    expected = span > 0 and low <= raw <= low + span
    try:
        validate_statement(_with("result.score", score), V2)
        valid = True
    except Invalid:
        valid = False
    assert valid == expected


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99), st.booleans(), st.booleans())
def test_iso_8601_durations_are_accepted_in_their_forms(hours, minutes, seconds, with_days, fraction):
    text = "P" + ("3D" if with_days else "") + f"T{hours}H{minutes}M{seconds}" + (".25" if fraction else "") + "S"
    assert validate_statement(_with("result.duration", text), V2)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["mbox", "mbox_sha1sum", "openid", "account"]), st.just(True), min_size=2))
def test_an_agent_with_more_than_one_identifier_is_invalid(identifiers):
    values = {"mbox": "mailto:a@example.com", "mbox_sha1sum": "a" * 40, "openid": "https://id.example.com/a",
              "account": {"homePage": "https://hr.example.com", "name": "T1"}}
    with pytest.raises(Invalid):
        validate_statement(_with("actor", {k: values[k] for k in identifiers}), V2)


def test_agent_keys_ignore_the_case_of_email_addresses():
    assert agent_key({"mbox": "mailto:Li.Lei@Example.com"}) == agent_key({"mbox": "mailto:li.lei@example.com"})
