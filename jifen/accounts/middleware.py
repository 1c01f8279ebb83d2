from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    """The page language: the signed-in user's choice, else the language cookie, else
    LANGUAGE_CODE (zh-hans). The browser's Accept-Language is not consulted: a company
    deploying Jifen in Chinese wants Chinese even on a browser set up in English.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        user = getattr(request, "user", None)
        user_language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        cookie_language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = next(
            (lang for lang in (user_language, cookie_language) if lang in self.supported), settings.LANGUAGE_CODE
        )
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        if user_language and cookie_language != user_language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, user_language, max_age=365 * 24 * 3600,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE, secure=settings.LANGUAGE_COOKIE_SECURE,
            )
        return response
