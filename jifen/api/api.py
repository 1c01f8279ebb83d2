"""REST API under /api/v1/ (django-ninja, OpenAPI at /api/v1/openapi.json).

Handlers are thin: the same permission object and the same services and selectors as
the pages. A refusal from a service is a 400 with RFC 9457 problem details.
"""

import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import django_auth

from jifen.api.ratelimit import RateLimited
from jifen.api.tokens import BearerToken, ScopeTooNarrow
from jifen.core.errors import ApplicationError

logger = logging.getLogger("jifen.api")

PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details; `title` and `detail` in the language of Accept-Language.",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "field": {"type": "string"}, "errors": {"type": "array"},
        "required_scope": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
}
ERROR_STATUSES = {
    "400": "The request was refused (a business rule, or a bad cursor).",
    "401": "No valid session or bearer token.",
    "403": "No permission, or the token's scope is too narrow.",
    "404": "Not found, or not in the caller's scope.",
    "422": "Some fields are not valid.",
    "429": "Too many requests for this token (see Retry-After).",
}


class ProblemAPI(NinjaAPI):
    """Every operation documents the problem+json answers every endpoint may give."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                declared = {str(status) for status in responses}  # ninja's own keys are ints
                for status, description in ERROR_STATUSES.items():
                    if status not in declared:
                        responses[status] = {"description": description, "content": ref}
        return schema


api = ProblemAPI(
    title="Jifen API",
    version="1",
    description="Training credits and points. Every endpoint applies the same role and org-unit scope as the web pages.",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
    # The schema and its docs page are for signed-in users, like every other page.
    docs_decorator=login_required,
)


def problem(request, status: int, title: str, detail: str = "", **extra):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail or title, **extra}
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    extra = {"field": exc.field} if exc.field else {}
    return problem(request, 400, _("The request was refused."), str(exc.message), **extra)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return problem(request, 403, _("You do not have permission for this."))


@api.exception_handler(Http404)
def not_found(request, exc):
    return problem(request, 404, _("Not found."))


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return problem(request, 401, _("Sign in first."))


@api.exception_handler(ValidationError)
def invalid(request, exc: ValidationError):
    return problem(request, 422, _("Some fields are not valid."), errors=exc.errors)


@api.exception_handler(ScopeTooNarrow)
def scope_too_narrow(request, exc: ScopeTooNarrow):
    return problem(request, 403, _("This token's scope does not allow this."),
                   _("This needs a token with %(scope)s scope.") % {"scope": exc.needed}, required_scope=exc.needed)


@api.exception_handler(RateLimited)
def rate_limited(request, exc: RateLimited):
    response = problem(request, 429, _("Too many requests."),
                       _("Try again in %(seconds)s seconds.") % {"seconds": exc.retry_after})
    for header, value in exc.headers().items():
        response[header] = value
    return response


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def out_of_range(request, exc):
    """A number past what the database holds (SQLite raises before the query) or a value too long."""
    return problem(request, 400, _("The request was refused."), _("A value is too large or too long."))


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return problem(request, exc.status_code, _("The request was refused."), str(exc))


@api.exception_handler(Exception)
def server_error(request, exc: Exception):
    """Logged with its traceback for the operators; the client gets a problem without one."""
    logger.exception("API error on %s %s", request.method, request.path)
    return problem(request, 500, _("Something went wrong on the server."),
                   _("The error has been logged. Try again later."))


api.add_router("/", "jifen.api.api_tokens.router")
api.add_router("/", "jifen.api.api_roles.router")
api.add_router("/", "jifen.org.api.router")
api.add_router("/", "jifen.org.api_import.router")
api.add_router("/", "jifen.ledger.api.router")
api.add_router("/", "jifen.ledger.api_adjust.router")
api.add_router("/", "jifen.catalog.api.router")
api.add_router("/", "jifen.learning.attendance.api.router")
api.add_router("/", "jifen.learning.study.api.router")
api.add_router("/", "jifen.learning.exams.api.router")
api.add_router("/", "jifen.learning.work.api.router")
api.add_router("/", "jifen.learning.integrity.api.router")
api.add_router("/", "jifen.rewards.api.router")
api.add_router("/", "jifen.recognition.api.router")
api.add_router("/", "jifen.tracking.followup.api.router")
api.add_router("/", "jifen.tracking.growth.api.router")
api.add_router("/", "jifen.tracking.supervision.api.router")
api.add_router("/", "jifen.tracking.reports.api.router")
api.add_router("/", "jifen.notify.api.router")
api.add_router("/", "jifen.reports.exports.api.router")
api.add_router("/", "jifen.reports.dashboards.api.router")
api.add_router("/", "jifen.imports.api.router")
api.add_router("/", "jifen.audit.api.router")
api.add_router("/", "jifen.rules.api.router")
api.add_router("/", "jifen.catalog.api_manage.router")
api.add_router("/", "jifen.learning.study.api_manage.router")
api.add_router("/", "jifen.learning.exams.api_manage.router")
api.add_router("/", "jifen.learning.work.api_manage.router")
api.add_router("/", "jifen.learning.attendance.api_manage.router")
api.add_router("/", "jifen.recognition.api_manage.router")
api.add_router("/", "jifen.notify.api_manage.router")
api.add_router("/", "jifen.tracking.followup.api_manage.router")
api.add_router("/", "jifen.tracking.growth.api_manage.router")
