"""Writes of recognition settings that both the pages and the API make."""

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.org.models import Person
from jifen.recognition.models import Level, Preference


def set_anonymous(*, person: Person, anonymous: bool) -> Preference:
    preference, _created = Preference.objects.update_or_create(person=person,
                                                              defaults={"anonymous_on_boards": anonymous})
    return preference


def level_save(*, form) -> Level:
    """Save a valid ``LevelForm``; two admins saving the same name or points at once: the second is refused."""
    try:
        with transaction.atomic():
            return form.save()
    except IntegrityError as error:
        raise ApplicationError(_("Another level has this name or these points.")) from error


def level_delete(*, level: Level) -> None:
    """Delete a level, unless a reward needs it (as its minimum level): those rewards would lose their rule.
    Certificates already issued for it keep their title."""
    try:
        with transaction.atomic():
            level.delete()
    except ProtectedError as error:
        raise ApplicationError(_("A reward needs this level: change the reward's minimum level first."),
                               field="level") from error
