from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Run the background job worker (huey): deliveries every minute, the scheduled jobs (expiry, weekly "
            "notices, monthly statements, reminders, escalations) when their time comes. Several workers may run: "
            "each job runs once per period.")

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=settings.HUEY["consumer"]["workers"],
                            help="Worker threads (default: JIFEN_WORKER_THREADS or 2).")

    def handle(self, *args, workers, **options):
        call_command("run_huey", workers=workers, worker_type="thread", periodic=True)
