"""Compiles locale/*/LC_MESSAGES/*.po to .mo with polib: no system gettext needed."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def compile_all(locale_dirs=None) -> list[Path]:
    written = []
    for locale_dir in locale_dirs or settings.LOCALE_PATHS:
        for po_path in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            written.append(mo_path)
    return written


class Command(BaseCommand):
    help = "Compiles the translation catalogues (.po → .mo) without GNU gettext."

    def handle(self, *args, **options):
        for path in compile_all():
            self.stdout.write(f"compiled {path.relative_to(settings.BASE_DIR)}")
