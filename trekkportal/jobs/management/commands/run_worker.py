"""manage.py run_worker: run background jobs and scheduled work until stopped.

SIGTERM or Ctrl+C: finish the current job (at most WORKER_SHUTDOWN_GRACE seconds, then
release it for another worker) and exit; a second signal releases it at once. Run as many
workers as you like, on as many machines as you like.
"""

from django.core.management.base import BaseCommand

from trekkportal.jobs.worker import DEFAULT_POLL_INTERVAL, Worker


class Command(BaseCommand):
    help = "Runs background jobs (e-mail, parsing, reconciliation, schedules) until stopped."

    def add_arguments(self, parser):
        parser.add_argument(
            "--poll-interval",
            type=float,
            default=DEFAULT_POLL_INTERVAL,
            help=(
                "Seconds to wait between looks at the queue when it is empty (default "
                f"{DEFAULT_POLL_INTERVAL}; a look is one indexed read)."
            ),
        )
        parser.add_argument(
            "--burst",
            action="store_true",
            help="Run the schedules and every due job once, then exit (cron, deploy hooks).",
        )

    def handle(self, *args, poll_interval: float, burst: bool, **options):
        worker = Worker(poll_interval=poll_interval)
        worker.install_signal_handlers()
        if burst:
            from trekkportal.jobs import queue

            queue.autodiscover()
            while not worker.stopping.is_set() and worker.run_once():
                pass
            return
        worker.run()
