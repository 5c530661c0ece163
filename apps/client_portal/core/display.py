"""Values as people read them: the one formatter of pages, exports and PDFs.

``format_value`` writes a value in the active language's formats: amounts as
"1 234,50" (grouped, two decimals), dates as "21.06.2015", times in the site's
zone, yes/no in words. A page of many cells makes one ``Formatter`` and calls
it per cell, so that the language's formats are looked up once per page.
"""

from __future__ import annotations

import datetime as dt
import decimal

from django.utils import dateformat, numberformat, timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _

_ZERO = decimal.Decimal("0.00")
_DATE_PARTS = {
    "d": "{0.day:02d}",
    "m": "{0.month:02d}",
    "Y": "{0.year:04d}",
    "H": "{0.hour:02d}",
    "i": "{0.minute:02d}",
    "s": "{0.second:02d}",
}


def _compile_date_format(fmt: str):
    """A ``str.format`` pattern equal to Django's date format ``fmt``, or None.

    Only for formats made of zero-padded numbers (d m Y H i s) and punctuation,
    such as "d.m.Y H:i"; anything else (month names, escapes) goes through
    ``django.utils.dateformat``.
    """
    out = []
    for char in fmt:
        if char in _DATE_PARTS:
            out.append(_DATE_PARTS[char])
        elif char.isalpha() or char == "\\":
            return None
        else:
            out.append(char.replace("{", "{{").replace("}", "}}"))
    return "".join(out)


class Formatter:
    """Values in the active language's formats; make one per page, call it per value."""

    def __init__(self):
        self.date_format = get_format("SHORT_DATE_FORMAT")
        self.datetime_format = get_format("SHORT_DATETIME_FORMAT")
        self._date = _compile_date_format(self.date_format)
        self._datetime = _compile_date_format(self.datetime_format)
        self.decimal_sep = get_format("DECIMAL_SEPARATOR", use_l10n=True)
        self.grouping = get_format("NUMBER_GROUPING", use_l10n=True)
        self.thousand_sep = get_format("THOUSAND_SEPARATOR", use_l10n=True)
        self.yes, self.no = str(_("Yes")), str(_("No"))
        self.tz = timezone.get_current_timezone()
        # From str.format's "," and "." to this language's separators (None: the same).
        self.separators = (
            None if (self.thousand_sep, self.decimal_sep) == (",", ".")
            else str.maketrans({",": self.thousand_sep, ".": self.decimal_sep})
        )

    def __call__(self, value) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return self.yes if value else self.no
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.tz) if value.utcoffset() is not None else (
                timezone.localtime(value))  # refuses a naive time, as Django does
            if self._datetime is not None and value.year >= 1000:
                return self._datetime.format(value)
            return dateformat.format(value, self.datetime_format)
        if isinstance(value, dt.date):
            if self._date is not None and value.year >= 1000:
                return self._date.format(value)
            return dateformat.format(value, self.date_format)
        if isinstance(value, decimal.Decimal):
            return self.amount(value)
        return str(value)

    def amount(self, value: decimal.Decimal, places: int = 2) -> str:
        """A figure with ``places`` decimals, grouped in thousands: "-1 234,50"."""
        if self.grouping == 3 and places == 2 and value.as_tuple().exponent in (0, -1, -2):
            # numberformat.format's result through str.format, a good deal faster;
            # zero has no sign ("-0.00" is "0.00").
            text = f"{value if value else _ZERO:,.2f}"
            return text.translate(self.separators) if self.separators is not None else text
        return numberformat.format(value, self.decimal_sep, places, self.grouping,
                                   self.thousand_sep, force_grouping=True, use_l10n=True)

    def price(self, value: decimal.Decimal, places: int = 2, most: int = 4) -> str:
        """A unit price: the currency's ``places`` decimals, more (up to ``most``) only
        where the price has them: "49,99", "132,40", "120,00", "0,1234"."""
        if value is None or value == "":
            return ""
        value = decimal.Decimal(value)
        exponent = value.normalize().as_tuple().exponent
        needed = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        shown = min(max(places, needed), most)
        if shown != needed and needed > most:
            value = value.quantize(decimal.Decimal(1).scaleb(-most), decimal.ROUND_HALF_UP)
        return self.amount(value, shown)


CURRENCY_PLACES = {"JPY": 0, "KRW": 0, "HUF": 2, "BHD": 3, "KWD": 3, "TND": 3}


def format_price(value, currency: str = "") -> str:
    """A unit price in the active language, with ``currency``'s decimals (see ``price``)."""
    return Formatter().price(value, CURRENCY_PLACES.get(currency, 2))


def format_money(value, currency: str = "") -> str:
    """An amount in the reader's number format ("1,423.28" in English, "1.423,28" in
    Romanian), two places, with its currency code when given."""
    if value is None or value == "":
        return ""
    text = Formatter().amount(decimal.Decimal(value))
    return f"{text} {currency}" if currency else text


def format_value(value) -> str:
    """``value`` as text in the active language (see ``Formatter``)."""
    return Formatter()(value)


def money_html(amount, currency: str = "", fmt: Formatter | None = None):
    """An amount with its currency as one piece that never wraps, for pages:
    ``<span class="money">1,708.25 RON</span>`` (the stylesheet keeps it on one line).
    Empty for no amount."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    if amount is None or amount == "":
        return ""
    text = (fmt or Formatter())(amount)
    text = f"{text} {currency}" if currency else text
    return mark_safe(f'<span class="money">{escape(text)}</span>')  # noqa: S308 (escaped)
