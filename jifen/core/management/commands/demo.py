from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from jifen.catalog.demo import build_demo as build_catalog
from jifen.learning.attendance.demo import build_demo as build_attendance
from jifen.learning.integrity.demo import build_demo as build_integrity
from jifen.learning.study.demo import build_demo as build_study
from jifen.learning.work.demo import build_demo as build_work
from jifen.notify.demo import build_demo as build_notify
from jifen.org.demo import DEMO_PASSWORD, build_demo
from jifen.org.models import Person
from jifen.reports.dashboards.demo import build_demo as build_history
from jifen.rewards.demo import build_demo as build_rewards
from jifen.rules.demo import build_activity
from jifen.tracking.followup.demo import build_demo as build_followup
from jifen.tracking.growth.demo import build_demo as build_growth
from jifen.tracking.reports.demo import build_demo as build_reports
from jifen.xapi.demo import build_demo as build_xapi


class Command(BaseCommand):
    help = "Build the demo organisation and three months of its learning activity (idempotent); print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD)
        parser.add_argument("--people", type=int, default=60)
        parser.add_argument("--no-activity", action="store_true", help="Only the organisation, no events.")
        parser.add_argument(
            "--if-empty", action="store_true",
            help="Only when the roster is empty (make run uses this: a real roster never gets demo data).",
        )

    def handle(self, *args, password, people, no_activity, if_empty, **options):
        if if_empty and Person.objects.exclude(employee_no__startswith="JF").exists():
            self.stdout.write(_("The roster has real people; no demo data loaded."))
            return
        logins = build_demo(password=password, people=people)
        if not no_activity:
            # Each step goes through the real services and is idempotent; later steps use earlier ones'
            # courses and sessions, and points earned by then (the rewards are paid with them).
            build_catalog()
            build_activity()
            build_attendance()
            build_study()  # with the exams' question bank and quizzes
            build_work()  # homework, self-study claims, contributions
            build_integrity()  # box-ticking cases
            build_rewards()
            build_followup()  # a tracking plan with surveys, grades and evaluations
            build_growth()  # observations, application archive, a development plan, improvement actions
            build_reports()  # the tracking report's baseline, ROI and business measures
            build_history()  # credits earned earlier this year, as brought in when Jifen started
            build_notify()  # this week's points notices and today's reminders, by the real jobs
            xapi_client = build_xapi()  # an LRS client system and verb / activity mappings
            if xapi_client:
                self.stdout.write(_("xAPI client at /xapi/: key %(key)s, secret %(secret)s")
                                  % {"key": xapi_client[0], "secret": xapi_client[1]})
        self.stdout.write(_("Demo logins (password: %(password)s):") % {"password": password})
        for login in logins:
            self.stdout.write(f"  {login.role:<16} {login.login:<8} {login.name}")
