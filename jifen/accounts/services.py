from django.conf import settings

from jifen.core.errors import ApplicationError


def user_set_language(*, user, language: str):
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError("unknown language", field="language")
    user.language = language
    user.save(update_fields=["language"])
    return user
