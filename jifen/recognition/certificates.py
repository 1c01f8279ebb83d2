"""Certificates: issued when earned, printed as PDF (WeasyPrint, Noto CJK fonts), verified by anyone.

* A course certificate for every ``course.completed`` fact of the person.
* An annual learning certificate for each year whose credits reached the position's target.
* An honour certificate for each level reached (above the first).

``issue_due`` issues what is due, once per achievement (a database-unique key), so it is safe to run at any
time: when the learner opens their certificates, and from ``jifen certificates`` for everyone.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets

import segno
from django.db import IntegrityError, transaction
from django.db.models import Min, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.ledger.models import Currency, Entry
from jifen.ledger.selectors import balances
from jifen.org.models import OrgUnit, Person
from jifen.recognition import selectors
from jifen.recognition.models import Certificate, CertificateKind, Level
from jifen.rules.models import Event, EventType

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _n in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _issue(person: Person, *, key: str, kind: str, title: str, issued_at: dt.datetime, **extra) -> bool:
    if Certificate.objects.filter(key=key).exists():
        return False
    try:
        with transaction.atomic():
            Certificate.objects.create(person=person, key=key, kind=kind, title=title[:200], issued_at=issued_at,
                                       code=new_code(), **extra)
    except IntegrityError:
        return False  # issued at the same moment by another request
    return True


def issue_due(*, person: Person, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    issued = 0
    completed = (Event.objects.filter(person=person, type=EventType.COURSE_COMPLETED, course__isnull=False)
                 .select_related("course").order_by("occurred_at"))
    for event in completed:
        issued += _issue(person, key=f"course:{person.pk}:{event.course_id}", kind=CertificateKind.COURSE,
                         title=event.course.title, issued_at=event.occurred_at, course=event.course)
    this_year = timezone.localtime(now).year
    first = Entry.objects.filter(account__person=person, account__currency=Currency.CREDITS).aggregate(
        first=Min("occurred_at"))["first"]
    first_year = timezone.localtime(first).year if first else this_year
    for year in range(max(first_year, this_year - 5), this_year + 1):
        credits = balances(person=person, now=now, year=year).credits
        if credits.target and credits.earned >= credits.target:
            issued += _issue(person, key=f"annual:{person.pk}:{year}", kind=CertificateKind.ANNUAL,
                             title=_("Annual learning certificate %(year)d") % {"year": year}, issued_at=now,
                             year=year)
    progress = selectors.level_of(person=person, now=now)
    if progress.level is not None:
        for level in Level.objects.filter(min_points__gt=0, min_points__lte=progress.level.min_points):
            issued += _issue(person, key=f"honour:{person.pk}:{level.pk}:{this_year}", kind=CertificateKind.HONOUR,
                             title=level.name, issued_at=now, level=level, year=this_year)
    return issued


def issue_due_for_everyone(*, people: QuerySet[Person] | None = None, now: dt.datetime | None = None) -> int:
    people = people if people is not None else Person.objects.exclude(status=Person.Status.LEFT)
    return sum(issue_due(person=person, now=now) for person in people.iterator(500))


def revoke(*, certificate: Certificate, reason: str, now: dt.datetime | None = None) -> Certificate:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the certificate is revoked: the verification page shows it."),
                               field="reason")
    certificate.revoked_at, certificate.revoke_reason = now or timezone.now(), reason[:500]
    certificate.save(update_fields=["revoked_at", "revoke_reason"])
    return certificate


def set_consent(*, certificate: Certificate, show_name: bool, show_unit: bool) -> Certificate:
    certificate.show_name, certificate.show_unit = show_name, show_unit
    certificate.save(update_fields=["show_name", "show_unit"])
    return certificate


def issuer_name() -> str:
    root = OrgUnit.objects.filter(depth=1).order_by("path").first()
    return root.name if root else _("Jifen")


def qr_data_uri(url: str) -> str:
    """The verification URL as a QR code, an SVG data URI (made here: no network)."""
    svg = segno.make(url, error="m").svg_inline(scale=4, border=1)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def pdf(*, certificate: Certificate, verify_url: str, language: str | None = None) -> bytes:
    """The certificate as an A4 landscape PDF with its code and a QR code to the verification page."""
    from weasyprint import HTML  # imported here: loading Pango takes a moment

    with translation.override(language or translation.get_language()):
        html = render_to_string("recognition/certificate_pdf.html", {
            "certificate": certificate, "person": certificate.person, "issuer": issuer_name(),
            "verify_url": verify_url, "qr": qr_data_uri(verify_url),
        })
    return HTML(string=html).write_pdf()


def verify_path(certificate: Certificate) -> str:
    return reverse("recognition:verify", args=[certificate.code])
