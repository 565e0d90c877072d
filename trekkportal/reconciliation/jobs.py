"""Background work for reconciliation, run by ``manage.py run_worker``."""

from __future__ import annotations

from trekkportal.accounts.models import Company
from trekkportal.jobs.queue import job
from trekkportal.lib.periods import Period


@job(max_attempts=5)
def reconcile_company_period(*, company_id: int, period: str) -> None:
    """Reconcile one company's period after its files are read. Idempotent."""
    from .services import reconcile

    company = Company.objects.filter(pk=company_id).first()
    if company is not None:
        reconcile(period=Period.parse(period), company=company)


@job(max_attempts=5)
def send_missing_deduction_emails(*, period: str, company_id: int | None = None) -> None:
    """E-mail the companies with new open utrukne for the period. Idempotent: utrukne are
    marked told in the transaction that queues their e-mail."""
    from .services import notify_new_missing_deductions

    notify_new_missing_deductions(period=Period.parse(period), company_id=company_id)
