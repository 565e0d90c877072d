"""CSV and XLSX exports of the back office's lists. Every text cell goes through
``lib.filesafety.neutralise_cell`` (docs/security.md E13); the XLSX writer does so itself.
No export holds an identity number."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from trekkportal.lib.filesafety import neutralise_cell
from trekkportal.lib.xlsx import write_xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def overview_header() -> list[str]:
    return [
        _("Company"),
        _("Organisation number"),
        _("Submitted"),
        _("Submissions"),
        _("Files"),
        _("Files not read yet"),
        _("Files that could not be read"),
        _("Rows"),
        _("Total amount"),
        _("Late"),
        _("Reminded"),
        _("Expected members"),
        _("Expected members deducted"),
        _("Missing deductions open"),
        _("Missing deductions answered"),
        _("Unmatched lines"),
    ]


def overview_rows(companies: Iterable[Any]) -> Iterable[list]:
    for company in companies:
        yield [
            company.name,
            company.orgnr,
            timezone.localdate(company.last_submitted_at) if company.last_submitted_at else None,
            company.submission_count,
            company.file_count,
            company.unread_count,
            company.failed_count,
            company.row_count,
            company.total_amount,
            _("yes") if company.late else _("no"),
            timezone.localdate(company.reminded_at) if company.reminded_at else None,
            *(
                (c.expected, c.deducted, c.missing_open, c.missing_answered, c.unmatched)
                if (c := company).reconciled
                else ("", "", "", "", "")
            ),
        ]


def audit_header() -> list[str]:
    return [
        _("Time"),
        _("Action"),
        _("User"),
        _("Company"),
        _("Object"),
        _("IP address"),
        _("Details"),
    ]


def audit_rows(events: Iterable[Any]) -> Iterable[list]:
    from trekkportal.audit.actions import AuditAction

    labels = dict(AuditAction.choices)
    for event in events:
        yield [
            timezone.localtime(event.created_at).replace(tzinfo=None),
            str(labels.get(event.action, event.action)),
            event.actor_label,
            f"{event.company.name} ({event.company.orgnr})" if event.company else "",
            f"{event.object_type}:{event.object_id}" if event.object_type else "",
            event.ip or "",
            " ".join(f"{key}={value}" for key, value in sorted(event.data.items())),
        ]


class _Echo:
    def write(self, value):
        return value


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):  # Decimal
        return number_format(value, 2, use_l10n=True, force_grouping=False)
    return neutralise_cell(value)


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]):
    """Semicolon-separated, decimal commas, UTF-8 with BOM (what Norwegian Excel opens)."""
    writer = csv.writer(_Echo(), delimiter=";")

    def lines():
        yield "\ufeff" + writer.writerow([neutralise_cell(h) for h in header])
        for row in rows:
            yield writer.writerow([_csv_value(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    return _attachment(response, f"{name}.csv")


def xlsx_response(name: str, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]):
    data = write_xlsx([(sheet, [list(header), *rows])])
    return _attachment(HttpResponse(data, content_type=XLSX_TYPE), f"{name}.xlsx")


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
