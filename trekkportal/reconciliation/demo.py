"""Demo data for ``seed_demo``: reconcile the demo period once the register and the list
are there. The demo list is read by the worker (``dev.py start`` runs one), and reading it
queues its reconciliation by itself; this covers a list read already (say a second seed)."""

from __future__ import annotations

from django.utils import timezone

from trekkportal.lib.demo import DemoContext
from trekkportal.lib.periods import Period

from .services import reconcile


def seed(context: DemoContext) -> None:
    period = Period.of(timezone.localdate()).previous()  # the submissions demo's period
    summary = reconcile(period=period)
    if summary.reconciled:
        context.note(
            f"Reconciliation: {period.mmyy} — {summary.missing} member(s) not deducted "
            "(see the Utrukne tab)."
        )
    elif summary.companies:
        context.note(
            f"Reconciliation: {period.mmyy} is compared with the register once the worker "
            "has read the demo list."
        )
