from django.conf import settings
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError


def user_set_language(*, user, language: str):
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(_("Unknown language."), field="language")
    user.language = language
    user.save(update_fields=["language"])
    return user
