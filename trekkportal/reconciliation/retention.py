"""Retention of reconciliation results: a period's utrukne (with the companies' answers)
and its figures go when the period's received lists do, ``RETENTION_YEARS`` after the
period (registered with ``purge_expired``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from trekkportal.letters.retention import register_purge
from trekkportal.lib.periods import Period, months_before

from .models import LineFinding, MissingDeduction, Reconciliation


def oldest_kept_period(now: dt.datetime) -> dt.date:
    """Periods before this month are purged (``RETENTION_YEARS`` back from ``now``)."""
    cutoff = months_before(timezone.localtime(now), 12 * settings.RETENTION_YEARS)
    return Period.of(cutoff.date()).first_day


@register_purge("reconciliation")
@transaction.atomic
def purge_old_periods(*, now: dt.datetime) -> dict[str, int]:
    """Utrukne of expired periods, answered or not, then the periods' findings and
    figures. Rows only (no files), in one transaction."""
    before = oldest_kept_period(now)
    missing = MissingDeduction.objects.filter(period__lt=before)
    answered = missing.exclude(answered_at=None).count()
    utrukne, _ = missing.delete()
    findings, _ = LineFinding.objects.filter(reconciliation__period__lt=before).delete()
    periods, _ = Reconciliation.objects.filter(period__lt=before).delete()
    return {
        "utrukne": utrukne,
        "answered": answered,
        "findings": findings,
        "reconciliations": periods,
    }
