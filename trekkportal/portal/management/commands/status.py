"""`status`: what an operator wants to know about a running installation, one line each.

The same checks as /healthz, with their reasons, plus the background queue, the e-mail
outbox, unapplied migrations and the static files manifest. Exit status 1 when a check
fails, so it fits a monitoring script."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count
from django.utils import timezone

from trekkportal.portal.checks import static_manifest_problem
from trekkportal.portal.health import run_checks


class Command(BaseCommand):
    help = "Shows the health of this installation: database, cache, storage, queue, e-mail."

    def handle(self, *args, **options):
        failed = []
        for check in run_checks():
            self._line(check.name, "ok" if check.ok else "FAIL", check.detail)
            if not check.ok:
                failed.append(check.name)
        if "database" in failed:
            raise CommandError("unhealthy: " + ", ".join(failed))

        from trekkportal.jobs.models import Job
        from trekkportal.mail.models import OutboxMessage

        jobs = dict(Job.objects.values_list("status").annotate(n=Count("id")))
        self._line(
            "jobs",
            "",
            ", ".join(f"{jobs.get(s, 0)} {s}" for s in ("queued", "running", "failed", "done")),
        )
        day_ago = timezone.now() - dt.timedelta(days=1)
        recent = Job.objects.filter(status=Job.Status.DONE, finished_at__gte=day_ago).count()
        self._line("jobs", "", f"{recent} finished in the last 24 hours")
        mail = dict(OutboxMessage.objects.values_list("status").annotate(n=Count("id")))
        self._line(
            "e-mail", "", ", ".join(f"{mail.get(s, 0)} {s}" for s in ("queued", "failed", "sent"))
        )

        executor = MigrationExecutor(connection)
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
        self._line(
            "migrations",
            "FAIL" if unapplied else "ok",
            f"{len(unapplied)} unapplied (run: manage.py migrate)" if unapplied else "applied",
        )
        if unapplied:
            failed.append("migrations")
        problem = static_manifest_problem()
        self._line("static", "FAIL" if problem else "ok", problem or "manifest present")
        if problem:
            failed.append("static")
        if failed:
            raise CommandError("unhealthy: " + ", ".join(failed))

    def _line(self, name: str, state: str, detail: str) -> None:
        self.stdout.write(f"{name:<11} {state:<4} {detail}".rstrip())
