"""Who may see leaderboards and change levels: every role against every recognition page and endpoint.

Leaderboards are published to everyone signed in on purpose (that is what they are for); a person can
choose to appear anonymously. A person's rank over the API follows the points scope (oneself, or the
people one may see the points of). Levels apply to everyone, so only a training admin over the whole
organisation changes them (like the rules)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from jifen.org.tests.test_permission_matrix import (
    API,
    JSON,
    LEARN,
    LOGIN,
    MANAGE_RULES,
    PUBLIC,
    ROLES,
    SEE_LEARNING,
    SEE_POINTS,
    SIGNED_IN,
    Case,
    World,
    api_case,
    check,
    own_and_others,
    request,
    scoped,
)
from jifen.recognition.certificates import new_code
from jifen.recognition.models import Badge, BadgeAward, Certificate, Level, Preference, RecognitionSettings


class CertificateWorld(World):
    """The org matrix's world, plus a certificate for 郑雨桐 (in), 钱多多 (out) and each requester."""

    def __init__(self):
        super().__init__()
        owners = {"in": self.in_person, "out": self.out_person}
        owners.update({role: user.person for role, user in self.users.items()
                       if user is not None and hasattr(user, "person")})
        level = Level.objects.order_by("min_points").last()
        self.certificates = {
            key: Certificate.objects.create(person=person, kind="honour", title=level.name, key=f"w:{person.pk}",
                                            level=level, year=2026, code=new_code(), issued_at=timezone.now())
            for key, person in owners.items()
        }
        self.in_person.email = "zheng@example.com"
        self.in_person.save(update_fields=["email"])
        self.award = BadgeAward.objects.create(badge=Badge.objects.get(code="first-course"), person=self.in_person,
                                               awarded_at=timezone.now())

    def certificate(self, target: str) -> int:
        found = self.certificates.get(self.acting if target == "own" else target)
        return found.pk if found is not None else 999_999


@pytest.fixture
def world(db, settings, tmp_path) -> CertificateWorld:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    RecognitionSettings.current()
    return CertificateWorld()


def fingerprint() -> tuple:
    return (
        list(Level.objects.order_by("pk").values_list("pk", "name", "min_points")),
        list(RecognitionSettings.objects.values_list("level_window", "min_group_size", "new_hire_months")),
        list(Preference.objects.order_by("pk").values_list("person_id", "anonymous_on_boards")),
        list(Certificate.objects.order_by("pk").values_list("pk", "show_name", "show_unit", "revoked_at")),
        list(BadgeAward.objects.order_by("pk").values_list("pk", "badge_id", "person_id")),
    )


GRANT_MANAGERS_PICK = "grant the manager's pick badge"  # no role has it by need: the cases say who may


def first_level(w, t) -> str:
    return reverse("recognition:level_edit", args=[Level.objects.order_by("pk").first().pk])


def first_level_api(w, t) -> str:
    return f"{API}/levels/{Level.objects.order_by('pk').first().pk}"


CASES: list[Case] = [
    Case("recognition:mine", "get", SIGNED_IN, lambda w, t: reverse("recognition:mine"),
         overrides=(("system_admin", 302),)),  # no person record: sent to the leaderboards
    Case("recognition:leaderboard", "get", SIGNED_IN, lambda w, t: reverse("recognition:leaderboard")),
    Case("recognition:preference", "post", LEARN, lambda w, t: reverse("recognition:preference"),
         data=lambda w, t: {"anonymous": "on"}, ok=302, writes=True, overrides=(("system_admin", 403),)),
    Case("recognition:levels", "get", MANAGE_RULES, lambda w, t: reverse("recognition:levels")),
    Case("recognition:levels", "post", MANAGE_RULES, lambda w, t: reverse("recognition:levels"),
         data=lambda w, t: {"settings-level_window": "rolling", "settings-min_group_size": "3",
                            "settings-new_hire_months": "6"}, ok=302, writes=True),
    Case("recognition:level_create", "post", MANAGE_RULES, lambda w, t: reverse("recognition:level_create"),
         data=lambda w, t: {"level-name": "学习宗师", "level-min_points": "5000"}, ok=302, writes=True),
    Case("recognition:level_edit", "get", MANAGE_RULES, first_level),
    Case("api:leaderboard", "get", SIGNED_IN, lambda w, t: f"{API}/leaderboard?scope=company&period=year",
         api_op="GET /api/v1/leaderboard", anonymous=JSON),
    Case("recognition:certificates", "get", SIGNED_IN, lambda w, t: reverse("recognition:certificates")),
    *scoped(url_name="recognition:certificate_pdf", method="get", need=SEE_LEARNING,
            url=lambda w, t: reverse("recognition:certificate_pdf", args=[w.certificate(t)])),
    Case("recognition:certificate_pdf", "get", SEE_LEARNING, target="own",
         url=lambda w, t: reverse("recognition:certificate_pdf", args=[w.certificate(t)]),
         overrides=(("system_admin", 404),)),  # no certificate of their own: the probe is not found
    *own_and_others(lambda **kw: Case(url_name="recognition:certificate_consent", method="post", need=LEARN, **kw),
                    url=lambda w, t: reverse("recognition:certificate_consent", args=[w.certificate(t)]),
                    data=lambda w, t: {"show_name": "on"}, ok=302, writes=True),
    Case("recognition:verify", "get", PUBLIC, lambda w, t: reverse("recognition:verify", args=[
        w.certificates["in"].code])),
    Case("recognition:verify_lookup", "get", PUBLIC, lambda w, t: reverse("recognition:verify_lookup")),
    # Open Badges 2.0: public JSON-LD for verifiers anywhere
    Case("recognition:ob_issuer", "get", PUBLIC, lambda w, t: reverse("recognition:ob_issuer")),
    Case("recognition:ob_badge", "get", PUBLIC, lambda w, t: reverse("recognition:ob_badge", args=["first-course"])),
    Case("recognition:ob_assertion", "get", PUBLIC, lambda w, t: reverse("recognition:ob_assertion", args=[w.award.uid])),
    Case("recognition:ob_certificate_class", "get", PUBLIC, lambda w, t: reverse(
        "recognition:ob_certificate_class", args=[f"honour-{w.certificates['in'].level_id}"])),
    Case("recognition:ob_certificate", "get", PUBLIC, lambda w, t: reverse(
        "recognition:ob_certificate", args=[w.certificates["in"].code])),
    Case("recognition:badges", "get", SIGNED_IN, lambda w, t: reverse("recognition:badges")),
    Case("recognition:badge_emblem", "get", SIGNED_IN,
         lambda w, t: reverse("recognition:badge_emblem", args=["first-course"])),
    Case("recognition:badge_grant", "get", GRANT_MANAGERS_PICK, lambda w, t: reverse("recognition:badge_grant"),
         overrides=(("manager", 200), ("trainer", 200), ("system_admin", 200))),
    Case("api:badge_list", "get", SIGNED_IN, lambda w, t: f"{API}/badges", api_op="GET /api/v1/badges",
         anonymous=JSON),
    *scoped(url_name="api:person_badges", method="get", need=SEE_POINTS, anonymous=JSON,
            api_op="GET /api/v1/people/{employee_no}/badges",
            url=lambda w, t: f"{API}/people/{w.person(t).employee_no}/badges"),
    Case("api:badge_grant", "post", GRANT_MANAGERS_PICK, lambda w, t: f"{API}/badges/managers-pick/grants",
         api_op="POST /api/v1/badges/{code}/grants", anonymous=JSON, target="in", writes=True,
         data=lambda w, t: {"employee_no": w.person(t).employee_no, "reason": "学以致用"},
         overrides=(("manager", 201), ("system_admin", 201))),
    Case("api:badge_grant", "post", GRANT_MANAGERS_PICK, lambda w, t: f"{API}/badges/managers-pick/grants",
         api_op="POST /api/v1/badges/{code}/grants", anonymous=JSON, target="out", writes=True,
         data=lambda w, t: {"employee_no": w.person(t).employee_no, "reason": "学以致用"},
         overrides=(("manager", 404), ("system_admin", 201))),
    *scoped(url_name="api:rank", method="get", need=SEE_POINTS, api_op="GET /api/v1/people/{employee_no}/rank",
            anonymous=JSON, url=lambda w, t: f"{API}/people/{w.person(t).employee_no}/rank?period=year"),
    # ---- levels, board settings and one's own choices (api_manage)
    api_case("GET /api/v1/levels", "level_list", SIGNED_IN, lambda w, t: f"{API}/levels"),
    api_case("POST /api/v1/levels", "level_create", MANAGE_RULES, lambda w, t: f"{API}/levels",
             data=lambda w, t: {"name": "学习宗师", "min_points": "5000"}, ok=201, writes=True),
    api_case("PATCH /api/v1/levels/{level_id}", "level_update", MANAGE_RULES, first_level_api, data=lambda w, t: {"name": "起步者"}, writes=True),
    api_case("DELETE /api/v1/levels/{level_id}", "level_delete", MANAGE_RULES, first_level_api, ok=204, writes=True),
    api_case("GET /api/v1/recognition/settings", "recognition_settings", MANAGE_RULES,
             lambda w, t: f"{API}/recognition/settings"),
    api_case("PUT /api/v1/recognition/settings", "recognition_settings_update", MANAGE_RULES,
             lambda w, t: f"{API}/recognition/settings", writes=True,
             data=lambda w, t: {"level_window": "rolling", "min_group_size": 3, "new_hire_months": 6}),
    api_case("GET /api/v1/leaderboard/preference", "board_preference", LEARN,
             lambda w, t: f"{API}/leaderboard/preference"),
    api_case("PUT /api/v1/leaderboard/preference", "board_preference_update", LEARN,
             lambda w, t: f"{API}/leaderboard/preference", data=lambda w, t: {"anonymous": True}, writes=True),
    api_case("GET /api/v1/certificates/mine", "my_certificates", LEARN, lambda w, t: f"{API}/certificates/mine"),
    *own_and_others(lambda **kw: api_case("PUT /api/v1/certificates/{certificate_id}/consent",
                                          "certificate_consent", LEARN, **kw),
                    url=lambda w, t: f"{API}/certificates/{w.certificate(t)}/consent",
                    data=lambda w, t: {"show_name": True, "show_unit": True}, writes=True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_what_it_may_in_recognition(client, world, role, case):
    expected = case.expected(role)
    before = fingerprint()
    response = request(client, world, role, case)
    check(response, expected)
    if expected in (LOGIN, 401, 403, 404) or not case.writes:
        assert fingerprint() == before, "a refused or read-only request changed something"
    else:
        assert fingerprint() != before, "an allowed write changed nothing"
