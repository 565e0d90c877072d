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
