"""Conventions the suite holds itself to."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
FROM_CONFTEST = re.compile(r"^\s*(from conftest import|import conftest\b)", re.MULTILINE)


def test_tests_take_their_helpers_from_the_fixtures_module_never_from_conftest():
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("trekkportal", "tests")
        for path in (ROOT / folder).rglob("*.py")
        if FROM_CONFTEST.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "import from tests.fixtures instead"
