"""Levels, leaderboard preference and certificate consent over the API.

Levels and the board settings apply to everyone: like the levels page, only a training admin over the
whole organisation changes them (admin scope). Everyone signed in sees the levels (their own page shows
them). The leaderboard preference and a certificate's consent are one's own only (write scope)."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from jifen.api.tokens import admin_paths
from jifen.core.errors import ApplicationError
from jifen.org.models import Person
from jifen.org.permissions import Perm, get_access
from jifen.recognition import certificates, services
from jifen.recognition.forms import LevelForm, SettingsForm
from jifen.recognition.models import Certificate, Level, LevelWindow, Preference, RecognitionSettings

router = Router(tags=["levels and preferences"])

# The board settings are configuration (levels are already in ADMIN_PATHS).
admin_paths(r"^recognition/settings")

MAX_INT = 2**31 - 1


# ---------------------------------------------------------------- schemas


class LevelOut(Schema):
    id: int
    name: str
    min_points: float
    description: str


class LevelIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    min_points: Decimal = Field(..., ge=0, max_digits=10, decimal_places=2,
                                description="Points earned in the settings' window to reach it.")
    description: str = Field("", max_length=200)


class LevelPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=50)
    min_points: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    description: str | None = Field(None, max_length=200)


class RecognitionSettingsIO(Schema):
    level_window: LevelWindow = Field(..., description="Levels count points earned in this window.")
    min_group_size: int = Field(..., ge=1, le=MAX_INT,
                                description="A unit or position with fewer active people gets no board.")
    new_hire_months: int = Field(..., ge=0, le=MAX_INT, description="The new-hire league: hired within these months.")


class BoardPreferenceIO(Schema):
    anonymous: bool = Field(..., description="Shown as an anonymous learner on leaderboards (the rank still counts).")


class CertificateMineOut(Schema):
    id: int
    kind: str
    title: str
    code: str
    year: int | None
    issued_at: dt.datetime
    revoked: bool
    show_name: bool
    show_unit: bool

    @staticmethod
    def resolve_revoked(obj) -> bool:
        return obj.revoked_at is not None


class CertificateConsentIn(Schema):
    show_name: bool = Field(..., description="Show my name on the public verification page.")
    show_unit: bool = Field(..., description="Show my department on the public verification page.")


# ---------------------------------------------------------------- helpers


def _refused(form) -> ApplicationError:
    """A form's first error as the API's refusal, naming its field."""
    field, errors = next(iter(form.errors.items()))
    return ApplicationError(errors[0], field=None if field == "__all__" else field)


def _require_whole_organisation(request) -> None:
    if not get_access(request).scope(Perm.RECOGNITION_MANAGE).everything:
        raise PermissionDenied


def _me(request) -> Person:
    person_id = get_access(request).person_id
    if person_id is None:
        raise PermissionDenied  # no person record: no ranks or certificates of their own
    return Person.objects.get(pk=person_id)


def _save_level(data: dict, instance: Level | None) -> Level:
    form = LevelForm(data, instance=instance)
    if not form.is_valid():
        raise _refused(form)
    return services.level_save(form=form)


# ---------------------------------------------------------------- levels


@router.get("/levels", response=list[LevelOut], summary="The levels, from the first to the highest")
def level_list(request):
    return Level.objects.order_by("min_points")


@router.post("/levels", response={201: LevelOut}, summary="Add a level")
def level_create(request, payload: LevelIn):
    _require_whole_organisation(request)
    return 201, _save_level(payload.dict(), None)


@router.patch("/levels/{level_id}", response=LevelOut, summary="Rename a level, or change its points")
def level_update(request, level_id: int, payload: LevelPatch):
    _require_whole_organisation(request)
    level = get_object_or_404(Level, pk=level_id)
    data = {**model_to_dict(level, fields=["name", "min_points", "description"]),
            **payload.dict(exclude_unset=True)}
    if data["description"] is None:  # null name or points: the form says they are required
        data["description"] = ""
    return _save_level(data, level)


@router.delete("/levels/{level_id}", response={204: None}, summary="Delete a level (not while a reward needs it)")
def level_delete(request, level_id: int):
    _require_whole_organisation(request)
    services.level_delete(level=get_object_or_404(Level, pk=level_id))
    return 204, None


# ---------------------------------------------------------------- board settings


def _settings_out(found: RecognitionSettings) -> dict:
    return {"level_window": found.level_window, "min_group_size": found.min_group_size,
            "new_hire_months": found.new_hire_months}


@router.get("/recognition/settings", response=RecognitionSettingsIO,
            summary="How levels and leaderboards are counted")
def recognition_settings(request):
    _require_whole_organisation(request)
    return _settings_out(RecognitionSettings.current())


@router.put("/recognition/settings", response=RecognitionSettingsIO,
            summary="Change how levels and leaderboards are counted")
def recognition_settings_update(request, payload: RecognitionSettingsIO):
    _require_whole_organisation(request)
    form = SettingsForm(payload.dict(), instance=RecognitionSettings.current())
    if not form.is_valid():
        raise _refused(form)
    return _settings_out(form.save())


# ---------------------------------------------------------------- one's own choices


@router.get("/leaderboard/preference", response=BoardPreferenceIO, summary="Whether I appear anonymously")
def board_preference(request):
    preference = Preference.objects.filter(person=_me(request)).first()
    return {"anonymous": bool(preference and preference.anonymous_on_boards)}


@router.put("/leaderboard/preference", response=BoardPreferenceIO,
            summary="Appear on leaderboards by name, or as an anonymous learner")
def board_preference_update(request, payload: BoardPreferenceIO):
    preference = services.set_anonymous(person=_me(request), anonymous=payload.anonymous)
    return {"anonymous": preference.anonymous_on_boards}


@router.get("/certificates/mine", response=list[CertificateMineOut],
            summary="My certificates (those that are due are issued first)")
def my_certificates(request):
    person = _me(request)
    certificates.issue_due(person=person)
    return Certificate.objects.filter(person=person)


@router.put("/certificates/{certificate_id}/consent", response=CertificateMineOut,
            summary="What the public verification page shows of me for one of my certificates")
def certificate_consent(request, certificate_id: int, payload: CertificateConsentIn):
    person = _me(request)
    certificate = get_object_or_404(Certificate, pk=certificate_id, person=person)
    return certificates.set_consent(certificate=certificate, show_name=payload.show_name,
                                    show_unit=payload.show_unit)
