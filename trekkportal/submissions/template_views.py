"""The list template download ("Last ned mal"), linked from the "Filer og format" help."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from trekkportal.accounts.decorators import company_required
from trekkportal.submissions.parsers.template import FILENAME, list_template

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@company_required
def download_template(request):
    response = HttpResponse(list_template(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    return response
