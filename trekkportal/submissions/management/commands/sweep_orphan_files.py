"""Removes stored submission files that no submission refers to (left by a crash between
writing the files and committing the rows)."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand

from trekkportal.submissions.storage import sweep_orphan_files


class Command(BaseCommand):
    help = "Deletes submission files with no row that are older than --minutes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes",
            type=int,
            default=settings.SUBMISSION_ORPHAN_MINUTES,
            help="Only files older than this (default: SUBMISSION_ORPHAN_MINUTES).",
        )

    def handle(self, *args, minutes, **options):
        deleted = sweep_orphan_files(older_than=dt.timedelta(minutes=minutes))
        self.stdout.write(f"Deleted {len(deleted)} orphan file(s).")
