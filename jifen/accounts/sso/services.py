"""Finding the person an outside identity names, and their login."""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from jifen.org.models import Person
from jifen.org.services import person_ensure_login

logger = logging.getLogger(__name__)


class SignOnRefused(Exception):
    """The identity was proven but cannot sign in to Jifen; ``message`` says why, for the login page."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _matching_person(*, employee_no: str, email: str, source: str) -> Person:
    lookups = []
    if employee_no:
        lookups.append(Person.objects.filter(employee_no=employee_no))
    if email:
        lookups.append(Person.objects.filter(email__iexact=email))
    # Employee number first, then e-mail: the first that names anyone decides, and must name exactly one.
    for people in lookups:
        found = list(people.order_by("pk")[:2])
        if len(found) > 1:
            raise SignOnRefused(
                _("Your %(source)s account matches more than one person in Jifen, so it cannot sign you in. "
                  "Ask your training administrator to correct the records.") % {"source": source}
            )
        if found:
            return found[0]
    raise SignOnRefused(
        _("Your %(source)s account matches no one in Jifen by employee number or e-mail. Ask your training "
          "administrator to record your employee number or e-mail address.") % {"source": source}
    )


def sign_on_login(*, employee_no: str, email: str, source: str):
    """The login of the one person with this employee number (else e-mail address), made for them
    (without a password) if they have none yet. Roles are whatever Jifen gives that login.

    Raises SignOnRefused when no one or more than one person matches, or the person has left:
    an outside identity never gets a login of its own."""
    employee_no = str(employee_no or "").strip()
    email = str(email or "").strip()
    person = _matching_person(employee_no=employee_no, email=email, source=source)
    with transaction.atomic():
        # Locked, so two first sign-ins at once make one login, not two.
        person = Person.objects.select_for_update(of=("self",)).select_related("user").get(pk=person.pk)
        if person.status == Person.Status.LEFT:
            raise SignOnRefused(_("You are recorded as having left, so you cannot sign in."))
        user = person.user or person_ensure_login(person=person)
    if not user.is_active:
        raise SignOnRefused(_("This login is switched off."))
    logger.info("sign-on via %s: person %s (login %s)", source, person.employee_no, user.pk)
    return user
