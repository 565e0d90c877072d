"""purge_expired for reconciliation: a period's utrukne, answered or not, and its figures
go RETENTION_YEARS after the period; later periods stay. Audited, idempotent."""

from __future__ import annotations

import datetime as dt

import time_machine

from trekkportal.audit.models import AuditEvent
from trekkportal.letters.retention import purge_expired
from trekkportal.reconciliation.models import MissingDeduction, Reconciliation

from .helpers import a_member

NOW = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.UTC)


def utrukket(company, member, period: dt.date, *, answered: bool = False) -> MissingDeduction:
    reconciliation, _ = Reconciliation.objects.get_or_create(
        company=company, period=period, defaults={"state": Reconciliation.State.RECONCILED}
    )
    return MissingDeduction.objects.create(
        reconciliation=reconciliation,
        company=company,
        period=period,
        member=member,
        state=MissingDeduction.State.ANSWERED if answered else MissingDeduction.State.OPEN,
        status=MissingDeduction.Status.LAID_OFF if answered else "",
        answered_at=NOW if answered else None,
    )


def test_utrukne_and_their_answers_go_with_their_period(company_a, settings):
    settings.RETENTION_YEARS = 5
    ola = a_member(company_a, name="Normann, Ola")
    kari = a_member(company_a, name="Nordmann, Kari")
    utrukket(company_a, ola, dt.date(2021, 10, 1), answered=True)
    utrukket(company_a, kari, dt.date(2021, 10, 1))
    kept = utrukket(company_a, ola, dt.date(2021, 11, 1))  # November 2021: not five years yet

    with time_machine.travel(NOW, tick=False):
        results = purge_expired()

    assert results["reconciliation"] == {
        "utrukne": 2,
        "answered": 1,
        "findings": 0,
        "reconciliations": 1,
    }
    assert list(MissingDeduction.objects.all()) == [kept]
    assert list(Reconciliation.objects.values_list("period", flat=True)) == [dt.date(2021, 11, 1)]
    event = AuditEvent.objects.filter(action="retention.purged", data__purge="reconciliation")
    assert event.get().data["utrukne"] == 2
    with time_machine.travel(NOW, tick=False):
        assert purge_expired()["reconciliation"]["utrukne"] == 0  # idempotent
