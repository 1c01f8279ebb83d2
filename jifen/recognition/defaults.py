"""The levels a new installation starts with (admins change them on the levels page)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

DEFAULT_LEVELS = [
    (_("Learning starter"), Decimal(0), _("Everyone starts here.")),
    (_("Learning rookie"), Decimal(100), _("A good start.")),
    (_("Learning expert"), Decimal(300), _("Learns steadily all year.")),
    (_("Learning star"), Decimal(600), _("Among the most active learners.")),
    (_("Learning master"), Decimal(1000), _("A model for everyone.")),
]
