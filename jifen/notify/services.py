"""Making notifications and sending them.

* ``notify`` puts a message in a person's inbox once per key. Those who chose "each message as it
  comes", and urgent kinds for everyone, also get a delivery per channel right away (held until their
  quiet hours end).
* ``make_digests`` gathers the day's other messages of those in digest mode (the default) into one
  delivery per channel: people get a digest, not a message per point.
* ``deliver_due`` sends what is due, one delivery at a time under a row lock (several workers share
  the work; nothing is sent twice), retrying with backoff: 1 min, 5 min, 30 min, 2 h, 12 h, then failed.
* ``resend`` puts a failed delivery back in the queue (admins, from the delivery log).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.notify.models import (
    URGENT_KINDS,
    Channel,
    ChannelKind,
    Delivery,
    DeliveryStatus,
    Mode,
    Notification,
    Preference,
)

log = logging.getLogger(__name__)

BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2),
           dt.timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = dt.timedelta(minutes=5)  # a claimed delivery is another worker's to retry after this long


def preference_of(user) -> Preference:
    """The user's preferences, or the defaults (not saved)."""
    try:
        return user.notify_preference
    except Preference.DoesNotExist:
        return Preference(user=user)


def language_of(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.JIFEN_SITE_URL.rstrip("/") + url


def after_quiet_hours(preference: Preference, now: dt.datetime) -> dt.datetime:
    """``now``, or the end of the person's quiet hours when ``now`` falls inside them."""
    local = timezone.localtime(now)
    if not preference.is_quiet(local.time()):
        return now
    end = local.replace(hour=preference.quiet_end.hour, minute=preference.quiet_end.minute, second=0,
                        microsecond=0)
    if end <= local:
        end += dt.timedelta(days=1)
    return end


def _robots_for(user) -> list[Channel]:
    person = getattr(user, "person", None)
    if person is None:
        return []
    path = person.org_unit.path
    robots = Channel.objects.filter(is_active=True).exclude(kind=ChannelKind.WEBHOOK).select_related("org_unit")
    return [c for c in robots if c.org_unit is None or path.startswith(c.org_unit.path)]


def _targets(user, preference: Preference) -> list[tuple[str, Channel | None, str]]:
    """(channel kind, channel, address) the person's messages go to outside the app."""
    targets: list[tuple[str, Channel | None, str]] = []
    person = getattr(user, "person", None)
    email = (person.email if person is not None else "") or user.email
    if preference.email and email and settings.JIFEN_EMAIL:
        targets.append((ChannelKind.EMAIL, None, email))
    if preference.robots:
        for robot in _robots_for(user):
            targets.append((robot.kind, robot, person.phone if person is not None else ""))
    return targets


def _delivery(*, key: str, user, kind: str, channel: Channel | None, address: str, title: str, body: str, url: str,
              due: dt.datetime, notifications: list[Notification]) -> Delivery | None:
    try:
        with transaction.atomic():
            made = Delivery.objects.create(key=key[:200], user=user, channel_kind=kind, channel=channel,
                                           address=address[:254], title=title[:200], body=body, url=url[:500],
                                           next_attempt_at=due)
            made.notifications.set(notifications)
    except IntegrityError:
        return None  # made before (a rerun): once is enough
    return made


def notify(*, user, kind: str, title: str, body: str, url: str = "", key: str,
           now: dt.datetime | None = None) -> Notification | None:
    """The message in the user's inbox, once per ``key`` (None if it was there already), and, for
    those who want each message (or for an urgent kind), its deliveries outside the app."""
    now = now or timezone.now()
    with transaction.atomic():  # the message and its deliveries together: a crash leaves both or neither
        try:
            with transaction.atomic():
                notification = Notification.objects.create(user=user, kind=kind, title=title[:200], body=body,
                                                           url=url[:500], key=key[:150], created_at=now)
        except IntegrityError:
            return None
        _plan_deliveries(notification, user, kind, now)
    return notification


def _plan_deliveries(notification: Notification, user, kind: str, now: dt.datetime) -> None:
    preference = preference_of(user)
    for hook in Channel.objects.filter(kind=ChannelKind.WEBHOOK, is_active=True):
        # other systems get every notification as it happens
        _delivery(key=f"n{notification.pk}:{hook.kind}:{hook.pk}", user=user, kind=hook.kind, channel=hook,
                  address="", title=notification.title, body=notification.body, url=notification.url, due=now,
                  notifications=[notification])
    if kind in preference.muted_kinds:
        return
    if preference.mode == Mode.IMMEDIATE or kind in URGENT_KINDS:
        due = after_quiet_hours(preference, now)
        for channel_kind, channel, address in _targets(user, preference):
            _delivery(key=f"n{notification.pk}:{channel_kind}:{channel.pk if channel else address}", user=user,
                      kind=channel_kind, channel=channel, address=address, title=notification.title,
                      body=notification.body, url=notification.url, due=due, notifications=[notification])
        notification.digested_at = now  # it went out on its own: not in a digest again
        notification.save(update_fields=["digested_at"])


def make_digests(*, now: dt.datetime | None = None) -> int:
    """One digest per person in digest mode and channel, of their messages not yet sent outside the app.
    Idempotent for the day: a rerun finds the day's digest deliveries by key."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    made = 0
    waiting = (Notification.objects.filter(digested_at__isnull=True, read_at__isnull=True, created_at__lte=now)
               .values_list("user_id", flat=True).distinct())
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(pk__in=waiting, is_active=True).select_related(
        "notify_preference", "person__org_unit")
    for user in users.iterator(chunk_size=500):
        preference = preference_of(user)
        with transaction.atomic():
            pending = list(Notification.objects.select_for_update().filter(
                user=user, digested_at__isnull=True, read_at__isnull=True, created_at__lte=now)
                .exclude(kind__in=preference.muted_kinds).order_by("created_at", "pk"))
            if not pending:
                continue
            with translation.override(language_of(user)):
                title = _("Jifen: %(count)s new message(s)") % {"count": len(pending)}
                body = render_to_string("notify/digest.txt", {"notifications": pending, "user": user,
                                                              "site": settings.JIFEN_SITE_URL}).strip()
            due = after_quiet_hours(preference, now)
            for channel_kind, channel, address in _targets(user, preference):
                if _delivery(key=f"digest:{day:%Y-%m-%d}:{user.pk}:{channel_kind}:{channel.pk if channel else ''}",
                             user=user, kind=channel_kind, channel=channel, address=address, title=title, body=body,
                             url=reverse("notify:inbox"), due=due, notifications=pending):
                    made += 1
            Notification.objects.filter(pk__in=[n.pk for n in pending]).update(digested_at=now)
    return made


def _message(delivery: Delivery):
    from jifen.notify.channels import Message

    mentions = (delivery.address,) if delivery.channel_kind not in (ChannelKind.EMAIL, ChannelKind.WEBHOOK) \
        and delivery.address else ()
    return Message(title=delivery.title, text=delivery.body, url=absolute(delivery.url), mentions=mentions)


def _send(delivery: Delivery) -> None:
    message = _message(delivery)
    if delivery.channel_kind == ChannelKind.WEBHOOK:
        notification = delivery.notifications.first()
        payload = {"title": delivery.title, "text": delivery.body, "url": message.url,
                   "kind": notification.kind if notification else "",
                   "recipient": {"username": delivery.user.get_username(),
                                 "employee_no": getattr(getattr(delivery.user, "person", None), "employee_no", "")}
                   if delivery.user else None}
        _dispatch(delivery.channel_kind, delivery.channel, message, address=delivery.address, user=delivery.user,
                  webhook=("notification", payload, delivery.key))
    else:
        _dispatch(delivery.channel_kind, delivery.channel, message, address=delivery.address, user=delivery.user)


def _dispatch(kind: str, channel: Channel | None, message, *, address: str = "", user=None,
              webhook: tuple[str, dict, str] | None = None) -> None:
    """Hand one message to the sender of its kind (raises ``channels.ChannelError`` when refused)."""
    from jifen.notify import channels

    if kind == ChannelKind.EMAIL:
        channels.send_email([address], message, language=language_of(user) if user else None)
    elif kind == ChannelKind.WECOM:
        channels.send_wecom(channel.url, message)
    elif kind == ChannelKind.DINGTALK:
        channels.send_dingtalk(channel.url, channel.secret, message)
    elif kind == ChannelKind.FEISHU:
        channels.send_feishu(channel.url, channel.secret, message)
    elif kind == ChannelKind.WEBHOOK:
        event, payload, delivery_id = webhook or ("test", {"title": message.title, "text": message.text}, "")
        channels.send_webhook(channel.url, channel.secret, event, payload, delivery_id=delivery_id)
    else:  # pragma: no cover - the choices are closed
        raise ValueError(kind)


def send_test(channel: Channel) -> None:
    """Send a test message through a group chat or webhook channel now (raises ``ChannelError`` when the
    platform refuses it), so an admin sees at once whether the address and secret are right."""
    from jifen.notify.channels import Message

    message = Message(title=_("Jifen test message"), text=_("If you can read this, the channel works."),
                      url=absolute(reverse("notify:inbox")))
    _dispatch(channel.kind, channel, message)


def channel_delete(*, channel: Channel) -> None:
    """Delete a robot or webhook that never sent anything. One with deliveries in the log is refused
    (deleting it would erase that log): switch it off instead."""
    with transaction.atomic():
        # locked: a delivery being planned for it waits, and then finds it gone
        Channel.objects.select_for_update().filter(pk=channel.pk).first()
        if Delivery.objects.filter(channel=channel).exists():
            raise ApplicationError(_("This channel has messages in the delivery log: switch it off instead."),
                                   field="is_active", code="in_use")
        channel.delete()


def deliver_one(pk: int, *, now: dt.datetime | None = None) -> str | None:
    """Send one due delivery; the status it ends in (None if another worker took it or it is no longer
    due). The delivery is claimed by one conditional UPDATE that pushes its next attempt a lease ahead,
    so no transaction (and, on SQLite, no write lock) is held while a slow server answers; a worker that
    dies while sending leaves it to be tried again when the lease runs out."""
    from jifen.notify.channels import ChannelError

    now = now or timezone.now()
    claimed = Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=now).update(
        next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("channel", "user", "user__person").get(pk=pk)
    if delivery.channel is not None and not delivery.channel.is_active:
        delivery.status, delivery.last_error = DeliveryStatus.SKIPPED, _("The channel was switched off.")
        delivery.save(update_fields=["status", "last_error"])
        return delivery.status
    retry = delivery.attempts < MAX_ATTEMPTS
    try:
        _send(delivery)
    except ChannelError as error:
        delivery.last_error = str(error)[:2000]
        retry = retry and error.retryable
    except Exception as error:  # a bad SMTP server or the like: logged, retried
        log.exception("delivery %s failed", delivery.key)
        delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
    else:
        delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.SENT, now, ""
        retry = False
    if delivery.status != DeliveryStatus.SENT:
        if retry:
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        else:
            delivery.status = DeliveryStatus.FAILED
    delivery.save(update_fields=["status", "next_attempt_at", "last_error", "sent_at"])
    return delivery.status


def deliver_due(*, now: dt.datetime | None = None, limit: int = 500) -> dict[str, int]:
    now = now or timezone.now()
    counts: dict[str, int] = {}
    due = list(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    for pk in due:
        status = deliver_one(pk, now=now)
        if status:
            counts[status] = counts.get(status, 0) + 1
    return counts


def resend(*, delivery: Delivery, now: dt.datetime | None = None) -> Delivery:
    if delivery.status == DeliveryStatus.SENT:
        raise ApplicationError(_("This message was sent already."))
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, now or timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    return delivery


# ---------------------------------------------------------------- the inbox


def mark_read(*, user, pks: list[int] | None = None, read: bool = True, now: dt.datetime | None = None) -> int:
    """Mark some (or, with ``pks`` None, all) of the user's notifications read or unread."""
    found = Notification.objects.filter(user=user)
    if pks is not None:
        found = found.filter(pk__in=pks)
    if read:
        return found.filter(read_at__isnull=True).update(read_at=now or timezone.now())
    return found.filter(read_at__isnull=False).update(read_at=None)


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def preference_save(*, user, **fields) -> Preference:
    preference, _created = Preference.objects.get_or_create(user=user)
    for name, value in fields.items():
        setattr(preference, name, value)
    preference.full_clean()
    preference.save()
    return preference

