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

# code, name, description, criterion, threshold, colour, symbol, granted by (role), monthly limit
DEFAULT_BADGES = [
    ("first-course", _("First course"), _("Completed a first course."), "first_course", 1, "#2f855a", "初", "", None),
    ("five-courses", _("Five courses"), _("Completed five different courses."), "courses", 5, "#2b6cb0", "五", "",
     None),
    ("four-week-streak", _("Four-week streak"), _("Learned something every week for four weeks."), "streak", 4,
     "#c05621", "恒", "", None),
    ("top-ten", _("Top ten of the month"), _("Among the ten who earned most points last month."), "top10_month", 1,
     "#b7791f", "十", "", None),
    ("first-contribution", _("First contribution"), _("Shared knowledge for the first time."),
     "first_contribution", 1, "#6b46c1", "享", "", None),
    ("required-on-time", _("Always on time"), _("Completed every required course by its due date."),
     "required_on_time", 1, "#2c7a7b", "准", "", None),
    ("managers-pick", _("Manager's pick"), _("Singled out by their manager for applying what they learned."),
     "manual", 1, "#c53030", "赞", "manager", 2),
    ("classroom-star", _("Classroom star"), _("Singled out by a trainer for taking part in class."), "manual", 1,
     "#d53f8c", "星", "trainer", 5),
]
