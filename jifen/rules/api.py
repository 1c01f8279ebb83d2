"""Rules over the API: list, read, create, edit (a new version), publish, archive, import, export, simulate.

The same services and checks as the rules pages (``jifen/rules/views.py``). Everyone signed in reads the
rules in force and their history, as on the pages; drafts, changes, the YAML file and simulations are for
those who hold RULES_MANAGE over the whole organisation (403 otherwise). Every write is under ``rules``
and so needs an admin token (``ADMIN_PATHS``). A refused definition is a 400 problem with the pages'
message; publishing what is not the draft is a 409 problem. Changes are in the audit log, as from the pages.
"""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import BaseModel, ConfigDict

from jifen.api.pagination import CursorPagination
from jifen.catalog.models import CourseKind, Delivery
from jifen.core.errors import ApplicationError
from jifen.ledger.models import Currency, ExpiryPolicy
from jifen.org.models import Person
from jifen.org.permissions import get_access
from jifen.rules import rule_services, simulation, yaml_io
from jifen.rules.forms import SimulationForm
from jifen.rules.models import AmountMode, CreditSource, EventType, Rule, RuleVersion
from jifen.rules.selectors import may_manage_rules, rule_versions
from jifen.rules.services import MAX_BATCH, EventIn

router = Router(tags=["rules"])

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
CONFLICT = {"409": {"description": "Not the rule's draft, or the rule has none.", "content": PROBLEM}}
MONEY = {"max_digits": 10, "decimal_places": 2}
Ruleset = Literal["draft", "in_force"]
ExpiryChoice = Literal[("", *ExpiryPolicy.values)]  # type: ignore[valid-type]


# ---------------------------------------------------------------- schemas


class RuleConditionsIn(BaseModel):
    """Only events matching every condition given count. Each list means "one of these"."""

    model_config = ConfigDict(extra="allow")  # other names are refused by the rule's checks, as in a YAML file

    course_kinds: list[CourseKind] | None = Field(None, max_length=10)
    deliveries: list[Delivery] | None = Field(None, max_length=10)
    course_categories: list[str] | None = Field(None, max_length=200, description="Names or full paths.")
    course_codes: list[str] | None = Field(None, max_length=1000)
    units: list[str] | None = Field(None, max_length=1000,
                                    description="Unit paths such as 总部/研发中心; units below count too.")
    positions: list[str] | None = Field(None, max_length=1000, description="Position codes.")
    min_score: float | None = Field(None, ge=-9999.99, le=9999.99)
    max_score: float | None = Field(None, ge=-9999.99, le=9999.99)
    passed: bool | None = Field(None, description="true: score ≥ pass mark; false: below it.")


class RuleChangeIn(Schema):
    """A change: the fields given, over the rule's draft (or its version in force); saved as its draft."""

    name: str | None = Field(None, max_length=200, description="Shown to learners beside each entry.")
    description: str | None = Field(None, max_length=5000)
    event_type: EventType | None = None
    currency: Currency | None = None
    amount: Decimal | None = Field(None, description="Negative for a deduction; never zero.", **MONEY)
    amount_mode: AmountMode | None = None
    score_step: Decimal | None = Field(None, gt=0, max_digits=6, decimal_places=2)
    multiply_by_difficulty: bool | None = None
    credit_source: CreditSource | None = None
    conditions: RuleConditionsIn | None = Field(None, description="Replaces the conditions as a whole.")
    cap_day: Decimal | None = Field(None, ge=0, **MONEY)
    cap_week: Decimal | None = Field(None, ge=0, **MONEY)
    cap_month: Decimal | None = Field(None, ge=0, **MONEY)
    cap_year: Decimal | None = Field(None, ge=0, **MONEY)
    once_per_course: bool | None = None
    cooldown_minutes: int | None = Field(None, ge=0, le=2_147_483_647)
    expiry_policy: ExpiryChoice | None = Field(None, description="Empty: the currency's policy.")
    expiry_months: int | None = Field(None, ge=0, le=120)
    active_from: dt.datetime | None = None
    active_to: dt.datetime | None = None
    publish: bool = Field(False, description="Put the change in force at once (else it stays a draft).")


class RuleCreateIn(RuleChangeIn):
    code: str = Field(..., min_length=1, max_length=60, description="Letters, digits, “-” and “_”; never changes.")
    name: str = Field(..., min_length=1, max_length=200, description="Shown to learners beside each entry.")
    event_type: EventType
    amount: Decimal = Field(..., description="Negative for a deduction; never zero.", **MONEY)


class RuleVersionOut(Schema):
    number: int
    label: str = Field(..., description="code@vN, as entries name the version that made them.")
    status: str = Field(..., description="draft, published (in force) or superseded.")
    name: str
    description: str
    event_type: str
    currency: str
    amount: float
    amount_mode: str
    score_step: float
    multiply_by_difficulty: bool
    credit_source: str
    conditions: dict
    cap_day: float | None
    cap_week: float | None
    cap_month: float | None
    cap_year: float | None
    once_per_course: bool
    cooldown_minutes: int
    expiry_policy: str
    expiry_months: int
    active_from: dt.datetime | None
    active_to: dt.datetime | None
    created_at: dt.datetime
    published_at: dt.datetime | None
    created_by: str | None = Field(..., description="Who wrote it; only for those who manage the rules.")

    @staticmethod
    def resolve_created_by(obj, context) -> str | None:
        if obj.created_by_id is None or not may_manage_rules(get_access(context["request"])):
            return None
        return obj.created_by.display_name


class RuleSummaryOut(Schema):
    code: str
    created_at: dt.datetime
    archived_at: dt.datetime | None = Field(..., description="Archived rules apply to no new event.")
    in_force: RuleVersionOut | None
    draft: RuleVersionOut | None = Field(..., description="Only for those who manage the rules.")

    @staticmethod
    def resolve_in_force(obj) -> RuleVersion | None:
        return next((v for v in _open_versions(obj) if v.status == RuleVersion.Status.PUBLISHED), None)

    @staticmethod
    def resolve_draft(obj, context) -> RuleVersion | None:
        if not may_manage_rules(get_access(context["request"])):
            return None
        return next((v for v in _open_versions(obj) if v.status == RuleVersion.Status.DRAFT), None)


class RuleDetailOut(RuleSummaryOut):
    versions: list[RuleVersionOut] = Field(..., description="Newest first; drafts only for those who manage.")

    @staticmethod
    def resolve_versions(obj, context) -> list[RuleVersion]:
        return list(rule_versions(obj, with_drafts=may_manage_rules(get_access(context["request"]))))


class RuleFilter(Schema):
    event_type: EventType | None = None
    archived: bool = Field(False, description="Archived rules instead of those that apply.")


class RuleImportOut(Schema):
    dry_run: bool
    publish: bool
    created: list[str]
    changed: list[str]
    unchanged: list[str]


class RuleSimulationTotalsOut(Schema):
    actual: float
    simulated: float
    change: float


class RuleSimulationRowOut(RuleSimulationTotalsOut):
    name: str


class RuleSimulationMoverOut(RuleSimulationTotalsOut):
    employee_no: str
    name: str


class RuleSimulationOut(Schema):
    start: dt.date
    end: dt.date
    ruleset: str
    currency: str
    versions: list[str] = Field(..., description="The versions simulated (code@vN).")
    drafts: list[str] = Field(..., description="Of those, the drafts.")
    events: int
    totals: RuleSimulationTotalsOut
    by_rule: list[RuleSimulationRowOut]
    by_department: list[RuleSimulationRowOut]
    gainers: list[RuleSimulationMoverOut]
    losers: list[RuleSimulationMoverOut]


class RuleSimulationEventIn(Schema):
    key: str = Field(..., max_length=150)
    type: str = Field(..., max_length=40)
    person: str = Field(..., max_length=150, description="Employee / student number.")
    course: str | None = Field(None, max_length=150)
    occurred_at: str = Field(..., max_length=64, description="ISO 8601 with offset, e.g. 2026-03-01T09:00:00+08:00")
    data: dict = Field(default_factory=dict)


class RuleSimulationEventsIn(Schema):
    events: list[RuleSimulationEventIn] = Field(..., max_length=MAX_BATCH)
    ruleset: Ruleset = "draft"


class RuleSimulatedEntryOut(Schema):
    rule: str
    version: int
    currency: str
    amount: float
    credit_type: str
    reason: str


class RuleSimulatedEventOut(Schema):
    key: str
    status: str = Field(..., description="simulated, duplicate (a key seen before) or rejected (see error).")
    error: str | None
    entries: list[RuleSimulatedEntryOut]


class RuleCurrencyTotalOut(Schema):
    currency: str
    amount: float


class RuleTotalOut(Schema):
    rule: str
    amount: float


class RuleEventsSimulationOut(Schema):
    ruleset: str
    versions: list[str]
    events: list[RuleSimulatedEventOut]
    totals: list[RuleCurrencyTotalOut]
    by_rule: list[RuleTotalOut]


# ---------------------------------------------------------------- helpers


def _open_versions(rule: Rule) -> list[RuleVersion]:
    if not hasattr(rule, "open_versions"):
        rule.open_versions = list(rule.versions.filter(
            status__in=[RuleVersion.Status.PUBLISHED, RuleVersion.Status.DRAFT]).select_related("created_by"))
    return rule.open_versions


def _manager(request):
    """Changing the rules, seeing drafts, the YAML file and simulations: RULES_MANAGE over everything."""
    access = get_access(request)
    if not may_manage_rules(access):
        raise PermissionDenied
    return access


def _rule(code: str) -> Rule:
    found = Rule.objects.filter(code=code).first()
    if found is None:
        raise Http404
    return found


def _conflict(request, error: ApplicationError):
    from jifen.api.api import problem

    if error.code == "not_found":
        return problem(request, 404, _("Not found."), str(error.message), field=error.field or "version")
    if error.code != "conflict":
        raise error
    return problem(request, 409, _("The request was refused."), str(error.message))


def _given(payload: RuleChangeIn) -> dict:
    """The version fields the caller sent (``null`` included), as the services take them."""
    fields = payload.dict(exclude_unset=True, exclude={"publish", "code", "conditions"})
    if "conditions" in payload.model_fields_set:
        conditions = payload.conditions.model_dump(mode="json", exclude_none=True) if payload.conditions else None
        fields["conditions"] = conditions
    for name in ("event_type", "currency", "amount_mode", "credit_source"):
        if fields.get(name) is not None:
            fields[name] = str(fields[name].value if hasattr(fields[name], "value") else fields[name])
    return fields


def _labels(versions: list[RuleVersion]) -> list[str]:
    return sorted(v.label for v in versions)


def _totals(t) -> dict:
    return {"actual": t.actual, "simulated": t.simulated, "change": t.change}


# ---------------------------------------------------------------- reading


@router.get("/rules", response=list[RuleSummaryOut], summary="The rules, with their version in force (and draft)")
@paginate(CursorPagination)
def list_rules(request, filters: Query[RuleFilter]):
    """Everyone signed in sees the rules in force, as on the rules page; those who manage the rules also
    see rules that are only drafts so far, and each rule's draft."""
    manager = may_manage_rules(get_access(request))
    open_statuses = [RuleVersion.Status.PUBLISHED, RuleVersion.Status.DRAFT]
    rules = Rule.objects.filter(archived_at__isnull=not filters.archived).prefetch_related(Prefetch(
        "versions", to_attr="open_versions",
        queryset=RuleVersion.objects.filter(status__in=open_statuses).select_related("created_by"),
    ))
    matching = RuleVersion.objects.filter(status__in=open_statuses if manager else [RuleVersion.Status.PUBLISHED])
    if filters.event_type:
        matching = matching.filter(event_type=filters.event_type)
    return rules.filter(pk__in=matching.values("rule_id")).order_by("code")


@router.get("/rules/export", summary="The ruleset in force as YAML (jifen-ruleset/1)",
            openapi_extra={"responses": {200: {"description": "The YAML file.",
                                                 "content": {"application/yaml": {"schema": {"type": "string"}}}}}})
def export_rules(request):
    _manager(request)
    response = HttpResponse(yaml_io.export_ruleset(), content_type="application/yaml; charset=utf-8")
    name = f"jifen-rules-{timezone.localdate().isoformat()}.yaml"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


@router.get("/rules/simulate", response=RuleSimulationOut,
            summary="What if: the draft ruleset over the events recorded in a past period")
def simulate_recorded(request, start: dt.date, end: dt.date, ruleset: Ruleset = "draft",
                      currency: Currency = Currency.POINTS):
    """The rules page's simulation: each rule's draft (or, without one, its version in force; with
    ``ruleset=in_force``, only the versions in force) applied to the events that occurred from ``start``
    until ``end`` (not included), compared with what they were awarded. Nothing is written. Caps,
    once-per-course and cooldowns count within the period simulated."""
    _manager(request)
    form = SimulationForm({"start": start, "end": end})
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise ApplicationError(errors[0], field=field)
    versions = simulation.ruleset(ruleset)
    result = simulation.simulate_days(versions=versions, start=start, end=end, currency=currency)
    gainers, losers = result.mover_ids()
    people = {p.pk: p for p in Person.objects.filter(pk__in=[pk for pk, _t in gainers + losers])}

    def movers(rows):
        return [{"employee_no": people[pk].employee_no, "name": people[pk].name, **_totals(t)}
                for pk, t in rows if pk in people]

    totals = result.currency_totals.get(currency) or simulation.Totals()
    return {
        "start": start, "end": end, "ruleset": ruleset, "currency": currency, "events": result.events,
        "versions": _labels(versions),
        "drafts": _labels([v for v in versions if v.status == RuleVersion.Status.DRAFT]),
        "totals": _totals(totals),
        "by_rule": [{"name": code, **_totals(t)} for code, t in sorted(result.by_rule.items())],
        "by_department": [{"name": name, **_totals(t)} for name, t in sorted(result.by_department.items())],
        "gainers": movers(gainers), "losers": movers(losers),
    }


@router.post("/rules/simulate", response=RuleEventsSimulationOut,
             summary="What if: what the draft ruleset would post for the events given (nothing is written)")
def simulate_given(request, payload: RuleSimulationEventsIn):
    """Events in the shape of ``POST /events``, checked as intake checks them (an unknown person, type or
    course rejects the event; a key seen before, in the batch or recorded, is a duplicate) and evaluated by
    each rule's draft, or its version in force (``ruleset=in_force``: only the versions in force). Caps,
    once-per-course and cooldowns count only what the simulation itself awards. Nothing is written, but
    the path is under ``rules``: a token needs admin scope."""
    _manager(request)
    versions = simulation.ruleset(payload.ruleset)
    events = [EventIn(e.key, e.type, e.person, e.occurred_at, e.course, e.data) for e in payload.events]
    result = simulation.simulate_events(versions=versions, events=events)
    return {
        "ruleset": payload.ruleset, "versions": _labels(versions),
        "events": [{"key": row.key, "status": row.status, "error": row.error, "entries": [
            {"rule": o.version.rule.code, "version": o.version.number, "currency": o.currency, "amount": o.amount,
             "credit_type": o.credit_type, "reason": o.reason} for o in row.outcomes]} for row in result.events],
        "totals": [{"currency": c, "amount": a} for c, a in sorted(result.currency_totals.items())],
        "by_rule": [{"rule": code, "amount": a} for code, a in sorted(result.by_rule.items())],
    }


@router.post("/rules/import", response=RuleImportOut, summary="Import a ruleset (YAML)")
def import_rules(request, file: File[UploadedFile], publish: bool = False, dry_run: bool = True):
    """A file exported from Jifen (``GET /rules/export``), at most 1 MB of UTF-8. Each changed rule becomes a
    new version (a draft, or in force with ``publish=true``); a bad rule anywhere imports nothing (400 with
    the reason). ``dry_run=true`` (the default) checks it all and answers what an import would do."""
    _manager(request)
    text = yaml_io.read_ruleset_file(file)
    summary = yaml_io.import_ruleset(text, actor=request.user, publish=publish, dry_run=dry_run)
    return {"dry_run": dry_run, "publish": publish, "created": summary.created, "changed": summary.changed,
            "unchanged": summary.unchanged}


@router.get("/rules/{code}", response=RuleDetailOut, summary="A rule and its versions")
def get_rule(request, code: str):
    return _rule(code)


# ---------------------------------------------------------------- changing


@router.post("/rules", response={201: RuleDetailOut}, summary="Create a rule (a draft unless publish)")
def create_rule(request, payload: RuleCreateIn):
    """Fields not given take the defaults of the rules page's form (points, a fixed amount, no limits)."""
    _manager(request)
    defaults = {name: RuleVersion._meta.get_field(name).get_default() for name in rule_services.VERSION_FIELDS}
    version = rule_services.rule_create(code=payload.code, fields={**defaults, **_given(payload)},
                                        actor=request.user, publish=payload.publish)
    return 201, version.rule


@router.patch("/rules/{code}", response=RuleDetailOut, summary="Change a rule (saved as its draft version)")
def update_rule(request, code: str, payload: RuleChangeIn):
    """The fields given change the rule's draft, or (without one) the version in force, which makes a new
    draft version; ``publish=true`` puts it in force at once. Entries already posted keep their version."""
    _manager(request)
    found = _rule(code)
    base = rule_services.rule_base_version(found)
    fields = {name: getattr(base, name) for name in rule_services.VERSION_FIELDS} if base else {}
    rule_services.rule_version_save(rule=found, fields={**fields, **_given(payload)}, actor=request.user,
                                    publish=payload.publish)
    return _rule(code)


@router.post("/rules/{code}/publish", response=RuleDetailOut, summary="Put the rule's draft in force",
             openapi_extra={"responses": CONFLICT})
def publish_rule(request, code: str, version: int | None = Query(
        None, ge=1, le=2_147_483_647, description="Only if this version is the draft (the one simulated).")):
    _manager(request)
    found = _rule(code)
    try:
        rule_services.rule_publish_draft(rule=found, number=version)
    except ApplicationError as error:
        return _conflict(request, error)
    return _rule(code)


@router.post("/rules/{code}/archive", response=RuleDetailOut, summary="Stop applying a rule to new events")
def archive_rule(request, code: str):
    """Entries already posted stay; archiving again changes nothing."""
    _manager(request)
    rule_services.rule_archive(rule=_rule(code))
    return _rule(code)
