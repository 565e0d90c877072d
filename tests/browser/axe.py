"""axe-core accessibility checks for every page a browser test visits (WCAG 2.1 AA)."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def assert_accessible(page) -> None:
    # Only the violations come back: the passes would be serialised for nothing (twice as slow).
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = _axe.run(page, options=options)
    violations = results.response["violations"]
    assert not violations, f"{page.url}: " + results.generate_report()
