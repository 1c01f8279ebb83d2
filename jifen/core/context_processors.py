from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jifen.org.permissions import Perm, get_access

LEARNER = "learner"  # a page about one's own learning: for everyone with a person record

# (url name, label, icon, permission (or a tuple: any of them), LEARNER, or None for everyone signed in)
NAVIGATION = [
    ("core:home", _("Home"), "home", None),
    ("ledger:my_points", _("My points"), "star", None),
    ("catalog:my_courses", _("My courses"), "book", LEARNER),
    ("catalog:courses", _("Course catalogue"), "list", None),
    ("study:my_progress", _("Online study"), "play", LEARNER),
    ("exams:my_quizzes", _("Quizzes and exams"), "check", LEARNER),
    ("work:my_homework", _("My homework"), "edit", LEARNER),
    ("work:my_claims", _("Self-study claims"), "upload", LEARNER),
    ("work:my_contributions", _("My contributions"), "share", LEARNER),
    ("rewards:store", _("Reward store"), "gift", None),
    ("recognition:mine", _("My level"), "medal", LEARNER),
    ("recognition:leaderboard", _("Leaderboards"), "trophy", None),
    ("followup:tasks", _("My follow-up tasks"), "check", LEARNER),
    ("growth:my_feedback", _("Application and growth"), "star", LEARNER),
    ("notify:inbox", _("Inbox"), "bell", None),
    ("rules:rules", _("Rules"), "book", None),
    ("accounts:profile", _("My profile"), "user", None),
    ("tokens:list", _("API tokens"), "gear", None),
    ("attendance:sessions", _("My sessions"), "calendar", Perm.SESSIONS_RUN),
    ("catalog:manage_courses", _("Manage courses"), "book", Perm.CATALOG_MANAGE),
    ("catalog:sessions", _("Sessions"), "calendar", Perm.CATALOG_MANAGE),
    ("catalog:requirements", _("Requirements"), "flag", Perm.CATALOG_MANAGE),
    ("study:manage", _("Online lessons"), "play", Perm.CATALOG_MANAGE),
    ("exams:bank", _("Question banks"), "check", Perm.CATALOG_MANAGE),
    ("work:assignments", _("Homework to grade"), "edit", (Perm.SESSIONS_RUN, Perm.CATALOG_MANAGE)),
    ("work:claims_review", _("Claims to review"), "upload", Perm.LEARNING_REVIEW),
    ("work:contributions_review", _("Contributions to review"), "share", Perm.LEARNING_REVIEW),
    ("integrity:cases", _("Box-ticking cases"), "flag", Perm.LEARNING_REVIEW),
    ("catalog:gap_report", _("Credit gaps"), "chart", Perm.LEARNING_VIEW),
    ("notify:learning_plans", _("Learning improvement plans"), "flag", Perm.LEARNING_VIEW),
    ("org:people", _("People"), "people", Perm.PEOPLE_VIEW),
    ("org:units", _("Organisation"), "tree", Perm.ORG_VIEW),
    ("org:positions", _("Positions"), "badge", Perm.POSITIONS_VIEW),
    ("org:import", _("Roster import"), "upload", Perm.ROSTER_IMPORT),
    ("imports:index", _("Bulk imports"), "upload", (Perm.SESSIONS_RUN, Perm.CATALOG_MANAGE, Perm.LEARNING_REVIEW,
                                                     Perm.LEDGER_ADJUST, Perm.ROSTER_IMPORT)),
    ("ledger:search", _("Ledger"), "list", Perm.LEDGER_VIEW),
    ("ledger:adjustments", _("Adjustments"), "scale", (Perm.LEDGER_ADJUST, Perm.LEDGER_APPROVE)),
    ("ledger:appeals", _("Appeals"), "flag", Perm.APPEALS_REVIEW),
    ("rewards:orders", _("Reward orders"), "box", Perm.REWARDS_MANAGE),
    ("recognition:levels", _("Levels"), "medal", Perm.RECOGNITION_MANAGE),
    ("followup:plans", _("Tracking plans"), "flag", Perm.TRACKING_MANAGE),
    ("followup:results", _("Follow-up results"), "chart", Perm.TRACKING_VIEW),
    ("tracking_reports:index", _("Tracking reports"), "chart", Perm.TRACKING_VIEW),
    ("dashboards:team", _("My team at a glance"), "chart", Perm.LEARNING_VIEW),
    ("dashboards:training", _("Training dashboard"), "chart", Perm.TRACKING_VIEW),
    ("dashboards:economy", _("Points economy"), "scale", Perm.REWARDS_MANAGE),
    ("tracking_reports:measures", _("Business results"), "scale", Perm.TRACKING_FOLLOW),
    ("growth:observations", _("Follow-up of my people"), "people", Perm.TRACKING_FOLLOW),
    ("growth:actions", _("Improvement actions"), "flag", Perm.TRACKING_MANAGE),
    ("notify:deliveries", _("Notifications and jobs"), "gear", Perm.NOTIFY_MANAGE),
    ("xapi:mappings", _("xAPI intake"), "share", Perm.RULES_MANAGE),
    ("supervision:kpis", _("Supervision and archive"), "chart", Perm.TRACKING_VIEW),
    ("exports:index", _("Reports and exports"), "chart", Perm.LEDGER_VIEW),
    ("audit:changes", _("Configuration audit log"), "list", Perm.AUDIT_VIEW),
    ("exports:my_record", _("My learning record"), "book", LEARNER),
]


def _shown(access, perm) -> bool:
    if perm is None:
        return True
    if perm == LEARNER:
        return access.person_id is not None
    if isinstance(perm, tuple):
        return any(_shown(access, one) for one in perm)
    if perm == Perm.RECOGNITION_MANAGE:  # levels apply to everyone: a whole-organisation right
        return access.scope(perm).everything
    # Seeing people or entries is a list page only for those who see more than themselves.
    return access.has(perm) and (perm not in (Perm.PEOPLE_VIEW, Perm.LEDGER_VIEW, Perm.LEARNING_VIEW)
                                  or access.sees_others(perm))


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
    from jifen.notify.services import unread_count

    return {"nav": nav, "access": access, "languages": settings.LANGUAGES,
            "unread_notifications": lambda: unread_count(user)}  # counted only where the page shows it

