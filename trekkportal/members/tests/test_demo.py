"""seed_demo loads a register in which some members are missing from the demo list."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from trekkportal.jobs.worker import run_pending
from trekkportal.lib.periods import Period
from trekkportal.members.models import Employment, Layoff, Member, MemberChange
from trekkportal.submissions.models import DeductionLine

pytestmark = pytest.mark.django_db


def test_the_demo_register_expects_members_the_demo_list_does_not_have(capsys):
    call_command("seed_demo")
    run_pending()  # reads the demo list
    last_month = Period.of(timezone.localdate()).previous().first_day
    call_command("seed_demo")  # idempotent
    assert Member.objects.count() == 9

    at_a = Employment.objects.filter(
        company__name="Nordsjø Boring AS", from_period__lte=last_month, to_period__isnull=True
    ).values_list("member__nin_hash", flat=True)
    laid_off = set(Layoff.objects.values_list("member__nin_hash", flat=True))
    expected = {
        m.nin_hash
        for m in Member.objects.filter(nin_hash__in=list(at_a), payment="deduction")
        if m.nin_hash not in laid_off
    }
    on_the_list = set(DeductionLine.objects.values_list("nin_hash", flat=True))
    assert len(expected) == 5
    assert len(expected & on_the_list) == 2  # Demo, Ola and Demo, Kari
    assert len(expected - on_the_list) == 3  # the utrukne for the demo
    assert MemberChange.objects.filter(reason="moved_in").count() == 1
    assert Member.objects.filter(payment="invoice").count() == 2
    assert "Member register: 9 members" in capsys.readouterr().out


def test_the_demo_period_reconciles_to_three_utrukne(capsys):
    from trekkportal.reconciliation.services import reconcile

    call_command("seed_demo")
    run_pending()
    summary = reconcile(period=Period.of(timezone.localdate()).previous())
    assert (summary.reconciled, summary.expected, summary.deducted, summary.missing) == (1, 5, 2, 3)
