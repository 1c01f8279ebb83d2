"""The learner's home page reads the credit policy, the recognition settings and the levels from the cache,
and an admin's change shows on the next page all the same."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jifen.catalog.models import CreditPolicy
from jifen.catalog.services import policy_update
from jifen.core.config_cache import forget
from jifen.recognition.models import Level, RecognitionSettings
from jifen.recognition.selectors import level_of


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("core:home")).status_code == 200
    return len(captured.captured_queries)


def test_the_learners_home_page_asks_at_most_twelve_queries_once_the_settings_are_cached(client, org):
    me = org.person()
    client.force_login(me.user)
    _home_queries(client)
    warm = _home_queries(client)
    assert warm <= 12
    forget("credit-policy", "recognition-settings", "levels")
    assert _home_queries(client) - warm == 3  # the credit policy, the recognition settings and the levels


def test_a_renamed_level_shows_at_once(client, org):
    me = org.person()
    assert level_of(person=me).level.name  # cached now
    lowest = Level.objects.order_by("min_points").first()
    lowest.name = "新手上路"
    lowest.save()
    assert level_of(person=me).level.name == "新手上路"


def test_a_deleted_level_is_gone_at_once(org):
    Level.ladder()
    Level.objects.filter(min_points__gt=0).delete()
    assert [level.min_points for level in Level.ladder()] == [0]


def test_a_changed_credit_policy_and_recognition_settings_are_read_again(org):
    assert CreditPolicy.current().required_share_percent != 55
    policy_update(required_share_percent=55)
    assert CreditPolicy.current().required_share_percent == 55
    chosen = RecognitionSettings.current()
    chosen.min_group_size = 9
    chosen.save()
    assert RecognitionSettings.current().min_group_size == 9
