"""CSV and XLSX files of a filtered resource list.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return would be read as a formula by a spreadsheet (CSV injection, OWASP): such
text is written with a leading apostrophe, which spreadsheets show as text.
Figures and dates are the system's own and stay figures and dates.
"""

import csv
import datetime as dt
import decimal
import io

from django.db import models
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

EXPORT_MAX_ROWS = 200_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value):
        return value


def neutralize(text: str) -> str:
    """``text`` made inert for a spreadsheet (see the module docstring)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value):
    """A list value as a spreadsheet cell: figures and dates as such, text neutralized."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (dt.date, decimal.Decimal, int, float, bool)) or value is None:
        return value
    if isinstance(value, models.Model):
        value = str(value)
    return neutralize(str(value))


def _rows(resource, qs):
    names = [c.name for c in resource.columns()]
    for obj in qs[:EXPORT_MAX_ROWS].iterator(chunk_size=2000):
        yield [cell(resource.value(obj, name)) for name in names]


def _header(resource):
    return [neutralize(resource.field_label(c.name)) for c in resource.columns()]


def write_csv(resource, qs, filename):
    writer = csv.writer(_Echo())
    header = _header(resource)

    def stream():
        yield "\ufeff"  # Excel opens UTF-8 CSV correctly with a byte-order mark.
        yield writer.writerow(header)
        for row in _rows(resource, qs):
            yield writer.writerow(["" if v is None else v for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def write_xlsx(resource, qs, filename):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(resource.verbose_name_plural())[:31])
    sheet.append(_header(resource))
    for row in _rows(resource, qs):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
