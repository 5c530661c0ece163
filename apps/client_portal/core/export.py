"""CSV and XLSX exports of a filtered resource list."""

import csv
import datetime as dt
import decimal
import io

from django.db import models
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

EXPORT_MAX_ROWS = 200_000


class _Echo:
    def write(self, value):
        return value


def _cell(value):
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (dt.date, decimal.Decimal, int, float, bool)) or value is None:
        return value
    return str(value)


def _rows(resource, qs):
    for obj in qs[:EXPORT_MAX_ROWS].iterator(chunk_size=2000):
        yield [_cell(resource.display(obj, c.name)) for c in resource.columns()]


def export_csv(resource, qs, filename):
    writer = csv.writer(_Echo())
    header = [str(resource.column_label(c.name)) for c in resource.columns()]

    def stream():
        yield "\ufeff"  # Excel opens UTF-8 CSV correctly with a byte-order mark.
        yield writer.writerow(header)
        for row in _rows(resource, qs):
            yield writer.writerow(["" if v is None else v for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def export_xlsx(resource, qs, filename):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(resource.verbose_name_plural())[:31])
    sheet.append([str(resource.column_label(c.name)) for c in resource.columns()])
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
