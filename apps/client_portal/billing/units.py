"""Units of measure as the reader reads them.

Invoice lines and tariffs store a unit as a short code ("h", "month", "pcs"),
the way a provider's billing system exports it. The codes this module knows
are written in the reader's language when shown (with the plural the quantity
needs: "2 hours", "2 ore", "2 часа"); a unit it does not know is shown as
stored, since it is the provider's own word. International symbols (kWh, m³)
stay symbols.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import npgettext_lazy, pgettext_lazy

# code -> (label for a quantity, label alone as in "price per ...")
_KNOWN = {
    "h": (lambda n: npgettext_lazy("unit", "hour", "hours", n),
          pgettext_lazy("unit, per", "hour")),
    "hour": None,  # the same as "h"
    "day": (lambda n: npgettext_lazy("unit", "day", "days", n),
            pgettext_lazy("unit, per", "day")),
    "month": (lambda n: npgettext_lazy("unit", "month", "months", n),
              pgettext_lazy("unit, per", "month")),
    "year": (lambda n: npgettext_lazy("unit", "year", "years", n),
             pgettext_lazy("unit, per", "year")),
    "pcs": (lambda n: pgettext_lazy("unit", "pcs"), pgettext_lazy("unit, per", "piece")),
    "pc": None,  # the same as "pcs"
    "trip": (lambda n: npgettext_lazy("unit", "trip", "trips", n),
             pgettext_lazy("unit, per", "trip")),
}
_SAME = {"hour": "h", "pc": "pcs"}


def _entry(code: str):
    code = (code or "").strip()
    return _KNOWN.get(_SAME.get(code.lower(), code.lower())) if code else None


def _count(quantity) -> int:
    """The number gettext chooses a plural form by: whole quantities as they are; a
    fraction takes the form of 2 ("2.5 hours", "2,5 часа", "2,5 godziny", "2,5 ore"),
    which is the form Slavic and Romance languages use for fractions."""
    if quantity is None:
        return 1
    value = Decimal(quantity)
    return int(value) if value == value.to_integral_value() else 2


def unit_label(code: str, quantity=None) -> str:
    """``code`` in the active language, for ``quantity`` of it ("hours" for 2)."""
    entry = _entry(code)
    if entry is None:
        return code or ""
    return str(entry[0](_count(quantity)))


def per_unit(code: str) -> str:
    """``code`` alone, as after a price: "per hour", "per month" (without "per")."""
    entry = _entry(code)
    return str(entry[1]) if entry is not None else (code or "")
