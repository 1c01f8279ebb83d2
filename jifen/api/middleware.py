"""Under /api/v1/: the language of the Accept-Language header, and problem+json for the errors that
happen outside a handler (an unknown route, a method the route does not have)."""

import json

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import get_supported_language_variant, parse_accept_lang_header

API_PREFIX = "/api/v1/"


def language_from_header(header: str) -> str | None:
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            continue
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return None


def problem_response(status: int, title: str, detail: str = "", **headers) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail or title}
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status,
                            content_type="application/problem+json")
    for header, value in headers.items():
        response[header] = value
    return response


class ApiMiddleware:
    """Place after the language middleware: an API client's Accept-Language wins over the cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        language = language_from_header(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers["Content-Language"] = translation.get_language() or settings.LANGUAGE_CODE
        next_link = getattr(request, "api_next_link", None)
        if next_link:
            response.headers["Link"] = f'<{next_link}>; rel="next"'
        if response.status_code in (404, 405) and not _is_json(response):
            if response.status_code == 404:
                return problem_response(404, _("Not found."), _("There is no such endpoint."),
                                        **{"Content-Language": translation.get_language()})
            return problem_response(405, _("Method not allowed."),
                                    _("Allowed: %(methods)s.") % {"methods": response.get("Allow", "")},
                                    Allow=response.get("Allow", ""),
                                    **{"Content-Language": translation.get_language()})
        return response


def _is_json(response) -> bool:
    return "json" in response.get("Content-Type", "")
