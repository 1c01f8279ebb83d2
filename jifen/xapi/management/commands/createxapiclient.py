from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jifen.core.errors import ApplicationError
from jifen.org.models import OrgUnit
from jifen.xapi.services import client_create


class Command(BaseCommand):
    help = "Create HTTP Basic credentials for a system that sends xAPI statements to /xapi/; printed once."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--unit", help="full name of the org unit whose people its statements may credit")
        parser.add_argument("--read-all", action="store_true", help="may read every statement, not only its own")

    def handle(self, *args, name, unit, read_all, **options):
        org_unit = None
        if unit:
            org_unit = OrgUnit.objects.filter(name_path=unit).first()
            if org_unit is None:
                raise CommandError(_("No org unit named %(name)s.") % {"name": unit})
        try:
            client, secret = client_create(name=name, org_unit=org_unit, read_all=read_all)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stderr.write(_("xAPI client %(name)s; the secret is shown only once:") % {"name": client.name})
        self.stdout.write(f"key: {client.key}\nsecret: {secret}")
