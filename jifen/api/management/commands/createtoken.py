from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from jifen.api.models import TokenScope
from jifen.api.tokens import token_create


class Command(BaseCommand):
    help = "Create an API bearer token for USERNAME; the token is the last line printed (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")
        parser.add_argument("--scope", choices=TokenScope.values, default=TokenScope.WRITE)

    def handle(self, *args, username, name, scope, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No login named %(name)s.") % {"name": username})
        token, raw = token_create(user=user, name=name, scope=scope)
        self.stderr.write(_("Token %(name)s (%(scope)s) for %(user)s; it is shown only once:")
                          % {"name": token.name, "scope": scope, "user": username})
        self.stdout.write(raw)
