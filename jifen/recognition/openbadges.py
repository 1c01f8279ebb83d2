"""Open Badges 2.0, hosted verification: the issuer profile, a BadgeClass for every badge and kind of
certificate, and an Assertion for every badge awarded and certificate issued, as JSON-LD at stable public
URLs. The recipient is the holder's e-mail address, salted and hashed (never shown in the clear); a holder
without an e-mail address has no assertion. A revoked certificate answers 410 with ``revoked: true``.
"""

from __future__ import annotations

import hashlib

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from jifen.recognition.badges import emblem_svg
from jifen.recognition.certificates import issuer_name
from jifen.recognition.models import Badge, BadgeAward, Certificate, CertificateKind

CONTEXT = "https://w3id.org/openbadges/v2"
CONTENT_TYPE = "application/ld+json"


def _url(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


def _json(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = CONTENT_TYPE
    response["Access-Control-Allow-Origin"] = "*"  # verifiers fetch these from anywhere
    return response


def recipient(email: str, salt: str) -> dict:
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return {"type": "email", "hashed": True, "salt": salt, "identity": f"sha256${digest}"}


def issuer(request):
    return _json({
        "@context": CONTEXT, "type": "Issuer", "id": _url(request, "recognition:ob_issuer"),
        "name": issuer_name(), "url": request.build_absolute_uri("/"),
        "description": _("Training credits and points (Jifen)."),
    })


def _badge_class(request, *, id_: str, name: str, description: str, image: str, criteria: str) -> dict:
    return {
        "@context": CONTEXT, "type": "BadgeClass", "id": id_, "name": name,
        "description": description or name, "image": image, "criteria": {"narrative": criteria},
        "issuer": _url(request, "recognition:ob_issuer"),
    }


def badge_class(request, code: str):
    badge = get_object_or_404(Badge, code=code)
    return _json(_badge_class(
        request, id_=_url(request, "recognition:ob_badge", badge.code), name=badge.name,
        description=badge.description, image=_image(badge), criteria=badge.get_criterion_display(),
    ))


def _image(badge: Badge) -> str:
    import base64

    return "data:image/svg+xml;base64," + base64.b64encode(emblem_svg(badge).encode()).decode()


CERTIFICATE_CRITERIA = {
    CertificateKind.COURSE: "Completed the course named in the certificate.",
    CertificateKind.HONOUR: "Reached the level named in the certificate with points earned in a year.",
    CertificateKind.ANNUAL: "Met the year's learning credit requirement.",
}


def _certificate_class_key(certificate: Certificate) -> str:
    if certificate.kind == CertificateKind.COURSE:
        return f"course-{certificate.course_id}"
    if certificate.kind == CertificateKind.HONOUR:
        return f"honour-{certificate.level_id}"
    return f"annual-{certificate.year}"


def certificate_class(request, key: str):
    kind, _sep, value = key.partition("-")
    if not value.isdigit():
        raise Http404
    lookup = {"course": {"kind": CertificateKind.COURSE, "course_id": int(value)},
              "honour": {"kind": CertificateKind.HONOUR, "level_id": int(value)},
              "annual": {"kind": CertificateKind.ANNUAL, "year": int(value)}}.get(kind)
    found = Certificate.objects.filter(**lookup).first() if lookup else None
    if found is None:
        raise Http404
    return _json(_certificate_class(request, found))


def _certificate_class(request, certificate: Certificate) -> dict:
    key = _certificate_class_key(certificate)
    title = certificate.title if certificate.kind != CertificateKind.ANNUAL else str(
        CertificateKind(certificate.kind).label)
    emblem = Badge(name=title, symbol="证", color="#b4461b")
    return _badge_class(
        request, id_=_url(request, "recognition:ob_certificate_class", key), name=title,
        description=str(CertificateKind(certificate.kind).label), image=_image(emblem),
        criteria=CERTIFICATE_CRITERIA[certificate.kind],
    )


def badge_assertion(request, uid):
    award = get_object_or_404(BadgeAward.objects.select_related("badge", "person"), uid=uid)
    if not award.person.email:
        raise Http404
    return _json({
        "@context": CONTEXT, "type": "Assertion", "id": _url(request, "recognition:ob_assertion", award.uid),
        "recipient": recipient(award.person.email, award.uid.hex[:16]),
        "badge": _url(request, "recognition:ob_badge", award.badge.code),
        "verification": {"type": "HostedBadge"}, "issuedOn": award.awarded_at.isoformat(),
        **({"narrative": award.reason} if award.reason else {}),
    })


def certificate_assertion(request, code: str):
    certificate = get_object_or_404(Certificate.objects.select_related("person"), code=code.upper())
    if not certificate.person.email:
        raise Http404
    url = _url(request, "recognition:ob_certificate", certificate.code)
    if certificate.revoked_at is not None:
        return _json({"@context": CONTEXT, "id": url, "revoked": True,
                      "revocationReason": certificate.revoke_reason}, status=410)
    return _json({
        "@context": CONTEXT, "type": "Assertion", "id": url,
        "recipient": recipient(certificate.person.email, certificate.code.replace("-", "").lower()),
        "badge": _url(request, "recognition:ob_certificate_class", _certificate_class_key(certificate)),
        "verification": {"type": "HostedBadge"}, "issuedOn": certificate.issued_at.isoformat(),
        "evidence": [{"id": _url(request, "recognition:verify", certificate.code),
                      "narrative": certificate.title}],
    })
