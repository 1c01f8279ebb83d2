"""REST API under /api/v1/ (django-ninja, OpenAPI at /api/v1/openapi.json).

Handlers are thin: the same permission object and the same services and selectors as
the pages. A refusal from a service is a 400 with RFC 9457 problem details.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import django_auth

from jifen.api.tokens import BearerToken
from jifen.core.errors import ApplicationError

api = NinjaAPI(
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
