import datetime as dt

from django import template

from .. import services

register = template.Library()


@register.simple_tag
def loan_chart(loan):
    """The scheduled principal balance over time, for the chart: x in Unix seconds, y as
    decimal strings (the page's script reads them; no amount passes through a float here)."""
    points = services.balance_history(loan)
    return {
        "x": [int(dt.datetime.combine(day, dt.time(12)).timestamp()) for day, _ in points],
        "y": [str(value) for _, value in points],
    }
