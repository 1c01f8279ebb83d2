from jifen.org.models import Person
from jifen.recognition.models import Preference


def set_anonymous(*, person: Person, anonymous: bool) -> Preference:
    preference, _created = Preference.objects.update_or_create(person=person,
                                                              defaults={"anonymous_on_boards": anonymous})
    return preference
