"""``{% receipt_figures submission %}``: the receipt's comparison with the register."""

from django import template

from trekkportal.reconciliation.selectors import reconciliation_for_receipt

register = template.Library()


@register.inclusion_tag("reconciliation/_receipt_figures.html")
def receipt_figures(submission):
    """Once the submission's period is reconciled for its company: how many expected
    members were deducted and how many are missing (one query)."""
    return {"reconciliation": reconciliation_for_receipt(submission)}
