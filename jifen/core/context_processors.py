from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jifen.org.permissions import Perm, get_access

# (url name, label, icon, permission (or a tuple: any of them) or None for everyone signed in)
NAVIGATION = [
    ("core:home", _("Home"), "home", None),
    ("ledger:my_points", _("My points"), "star", None),
    ("rules:rules", _("Rules"), "book", None),
    ("rewards:store", _("Reward store"), "gift", None),
    ("recognition:mine", _("My level"), "medal", None),
    ("recognition:leaderboard", _("Leaderboards"), "trophy", None),
    ("accounts:profile", _("My profile"), "user", None),
    ("org:people", _("People"), "people", Perm.PEOPLE_VIEW),
    ("org:units", _("Organisation"), "tree", Perm.ORG_VIEW),
    ("org:positions", _("Positions"), "badge", Perm.POSITIONS_VIEW),
    ("org:import", _("Roster import"), "upload", Perm.ROSTER_IMPORT),
    ("ledger:search", _("Ledger"), "list", Perm.LEDGER_VIEW),
    ("ledger:adjustments", _("Adjustments"), "scale", (Perm.LEDGER_ADJUST, Perm.LEDGER_APPROVE)),
    ("ledger:appeals", _("Appeals"), "flag", Perm.APPEALS_REVIEW),
    ("rewards:orders", _("Reward orders"), "box", Perm.REWARDS_MANAGE),
    ("recognition:levels", _("Levels"), "medal", Perm.RECOGNITION_MANAGE),
]


def _shown(access, perm) -> bool:
    if perm is None:
        return True
    if isinstance(perm, tuple):
        return any(_shown(access, one) for one in perm)
    if perm == Perm.RECOGNITION_MANAGE:  # levels apply to everyone: a whole-organisation right
        return access.scope(perm).everything
    # Seeing people or entries is a list page only for those who see more than themselves.
    return access.has(perm) and (perm not in (Perm.PEOPLE_VIEW, Perm.LEDGER_VIEW) or access.sees_others(perm))


def shell(request):
    """Navigation by role, and what the language switch needs."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"languages": settings.LANGUAGES}
    access = get_access(request)
    nav = []
    for url_name, label, icon, perm in NAVIGATION:
        if _shown(access, perm):
            url = reverse(url_name)
            active = request.path == url if url == "/" else request.path.startswith(url)
            nav.append({"url": url, "label": label, "icon": icon, "name": url_name, "active": active})
    # /points/adjustments/ is inside /points/ too: only the closest entry is the current one.
    current = max((item for item in nav if item["active"]), key=lambda item: len(item["url"]), default=None)
    for item in nav:
        item["active"] = item is current
    if access.has(Perm.ADMIN_SITE):
        nav.append({"url": reverse("admin:index"), "label": _("System admin"), "icon": "gear", "name": "admin",
                    "active": False})
    return {"nav": nav, "access": access, "languages": settings.LANGUAGES}

