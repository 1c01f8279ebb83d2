"""Each token has its own budget of calls per window; past it, a 429 says when to come back."""

import pytest

from jifen.api.ratelimit import check_rate, parse_rate
from jifen.api.tests.helpers import bearer, is_problem, send


@pytest.fixture
def learner(org):
    return org.person(no="E0001")


def test_a_token_past_its_rate_gets_429_with_retry_after_and_ratelimit_headers(client, learner, settings):
    settings.JIFEN_API_RATE = "3/60"
    headers = bearer(learner.user)
    assert [send(client, "get", "/me", **headers).status_code for _ in range(3)] == [200, 200, 200]
    refused = send(client, "get", "/me", **headers)
    body = is_problem(refused, 429)
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["RateLimit-Limit"] == "3" and refused["RateLimit-Remaining"] == "0"
    assert refused["RateLimit-Policy"] == "3;w=60"
    assert body["title"] and refused["Content-Language"] == "zh-hans"


def test_each_token_counts_on_its_own(client, learner, settings):
    settings.JIFEN_API_RATE = "1/60"
    first, second = bearer(learner.user), bearer(learner.user)
    assert send(client, "get", "/me", **first).status_code == 200
    assert send(client, "get", "/me", **second).status_code == 200
    assert send(client, "get", "/me", **first).status_code == 429


def test_the_budget_comes_back_in_the_next_window(settings):
    settings.JIFEN_API_RATE = "2/10"
    assert check_rate("k", now=100.0) == 1
    assert check_rate("k", now=101.0) == 0
    with pytest.raises(Exception) as refused:
        check_rate("k", now=109.2)
    assert refused.value.retry_after == 1
    assert check_rate("k", now=110.0) == 1


def test_a_session_is_not_rate_limited(client, learner, settings):
    settings.JIFEN_API_RATE = "1/60"
    client.force_login(learner.user)
    assert [send(client, "get", "/me").status_code for _ in range(3)] == [200, 200, 200]


def test_the_rate_setting_reads_calls_per_seconds_and_zero_turns_it_off():
    assert parse_rate("600/60") == (600, 60)
    assert parse_rate("0") == (0, 0)
    assert parse_rate("") == (0, 0)
