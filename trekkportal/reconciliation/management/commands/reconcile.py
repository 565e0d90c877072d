"""manage.py reconcile --period YYYY-MM [--company ORGNR]"""

from django.core.management.base import BaseCommand, CommandError

from trekkportal.accounts.models import Company
from trekkportal.lib.periods import Period
from trekkportal.reconciliation.services import reconcile


class Command(BaseCommand):
    help = (
        "Compares the period's lists with the member register: recomputes utrukne and "
        "unmatched lines (answers are kept). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM")
        parser.add_argument("--company", help="organisation number (default: every company)")

    def handle(self, *args, period, company=None, **options):
        try:
            value = Period.parse(period)
        except ValueError:
            raise CommandError(f"Not a period: {period!r} (use YYYY-MM).") from None
        target = None
        if company:
            target = Company.objects.filter(orgnr=company.strip()).first()
            if target is None:
                raise CommandError(f"No company with organisation number {company}.")
        summary = reconcile(period=value, company=target)
        if not summary.companies:
            self.stdout.write(f"{value.iso}: no lists for this period; nothing to reconcile.")
            return
        self.stdout.write(
            f"{value.iso}: {summary.reconciled} of {summary.companies} companies reconciled, "
            f"{summary.held_back} held back (a file not read or unreadable). "
            f"Expected {summary.expected}, deducted {summary.deducted}, "
            f"missing {summary.missing} ({summary.new_missing} new, {summary.resolved} resolved), "
            f"unmatched lines {summary.unmatched}, amounts flagged {summary.flagged}."
        )
