"""``manage.py rotate_nin_keys [--rehash]``: re-encrypt every stored identity number (members
and deduction lines) under the current key; ``--rehash`` also recomputes the keyed hashes
under the current ``NIN_INDEX_KEY``. Idempotent, in batches, audited (docs/members.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from trekkportal.lib.nincrypt import NinKeyError
from trekkportal.members.rotation import rotate_nin_keys


class Command(BaseCommand):
    help = "Re-encrypts every stored identity number under the current key."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rehash",
            action="store_true",
            help="also recompute every keyed hash under the current NIN_INDEX_KEY "
            "(after changing it; stop the portal first)",
        )

    def handle(self, *args, **options):
        try:
            summary = rotate_nin_keys(rehash=options["rehash"])
        except NinKeyError as exc:
            raise CommandError(
                f"{exc}. Keep the old keys in NIN_ENCRYPTION_KEYS (after the new one) until "
                "the rotation has finished."
            ) from None
        verb = "Re-encrypted and re-hashed" if summary.rehashed else "Re-encrypted"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} under key {summary.current_key!r}: {summary.members} members, "
                f"{summary.deduction_lines} deduction lines."
            )
        )
