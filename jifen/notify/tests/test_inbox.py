"""The inbox: unread count in the top bar, read and unread, links to the thing, and preferences."""

import datetime as dt

import pytest
from django.urls import reverse

from jifen.notify import services
from jifen.notify.models import Kind, Mode, Notification, Preference

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def learner(org, client):
    person = org.person(name="郑雨桐")
    client.force_login(person.user)
    return person


def message(person, n, url="/points/"):
    return services.notify(user=person.user, kind=Kind.OTHER, title=f"消息{n}", body=f"内容{n}", url=url,
                           key=f"m{n}:{person.pk}", now=NOW + dt.timedelta(minutes=n))


def test_the_top_bar_counts_unread_messages_and_opening_one_reads_it(learner, client):
    first = message(learner, 1)
    message(learner, 2)
    page = client.get(reverse("notify:inbox")).content.decode()
    assert 'data-unread="2"' in page
    assert page.index("消息2") < page.index("消息1")  # newest first
    opened = client.get(reverse("notify:open", args=[first.pk]))
    assert opened.status_code == 302 and opened["Location"] == "/points/"
    first.refresh_from_db()
    assert first.is_read
    assert 'data-unread="1"' in client.get(reverse("notify:inbox")).content.decode()


def test_a_link_to_another_site_is_never_followed(learner, client):
    bad = message(learner, 1, url="https://evil.example.com/")
    assert client.get(reverse("notify:open", args=[bad.pk]))["Location"] == reverse("notify:inbox")
    sneaky = message(learner, 2, url="//evil.example.com/")
    assert client.get(reverse("notify:open", args=[sneaky.pk]))["Location"] == reverse("notify:inbox")


def test_marking_read_unread_and_all_read_touches_only_my_messages(learner, client, org):
    mine = [message(learner, n) for n in range(3)]
    other = message(org.person(name="别人"), 9)
    client.post(reverse("notify:mark"), {"pk": [mine[0].pk, other.pk], "read": "1"})
    assert Notification.objects.get(pk=mine[0].pk).is_read
    assert not Notification.objects.get(pk=other.pk).is_read
    client.post(reverse("notify:mark"), {"pk": [mine[0].pk], "read": "0"})
    assert not Notification.objects.get(pk=mine[0].pk).is_read
    client.post(reverse("notify:mark"), {"all": "1", "read": "1"})
    assert Notification.objects.filter(user=learner.user, read_at__isnull=True).count() == 0
    assert not Notification.objects.get(pk=other.pk).is_read
    unread = client.get(reverse("notify:inbox") + "?unread=1").content.decode()
    assert "消息0" not in unread


def test_preferences_are_saved_and_the_api_reads_them_back(learner, client):
    response = client.post(reverse("notify:preferences"), {
        "mode": "immediate", "email": "on", "quiet_start": "21:30", "quiet_end": "07:00", "muted_kinds": ["weekly"]})
    assert response.status_code == 302
    preference = Preference.objects.get(user=learner.user)
    assert (preference.mode, preference.quiet_start, preference.muted_kinds) == (
        Mode.IMMEDIATE, dt.time(21, 30), ["weekly"])
    api = client.get("/api/v1/notifications/preferences").json()
    assert api["mode"] == "immediate" and api["muted_kinds"] == ["weekly"]


def test_the_api_lists_and_marks_my_messages(learner, client):
    for n in range(3):
        message(learner, n)
    listed = client.get("/api/v1/notifications?unread=true").json()
    assert listed["count"] == 3 and listed["items"][0]["title"] == "消息2"
    marked = client.post("/api/v1/notifications/mark", data={"ids": [listed["items"][0]["id"]]},
                         content_type="application/json").json()
    assert marked == {"marked": 1, "unread": 2}


def test_a_manager_sees_the_learning_plans_of_their_people_only(org, client):
    from jifen.notify.models import LearningPlan

    manager = org.manager_of(org.platform, name="王经理")
    mine = org.person(name="本组学员")
    other = org.person(name="市场部学员", unit=org.marketing)
    for person in (mine, other):
        LearningPlan.objects.create(person=person, year=2026, opened_on=dt.date(2026, 11, 1), expected=90,
                                    earned=30, target=120)
    client.force_login(manager.user)
    page = client.get(reverse("notify:learning_plans")).content.decode()
    assert "本组学员" in page and "市场部学员" not in page
