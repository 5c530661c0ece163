"""Units of measure are stored as codes and read in the reader's language."""

from decimal import Decimal

from django.utils import translation

from apps.client_portal.billing.units import per_unit, unit_label


def test_known_units_take_the_readers_language_and_the_quantitys_plural():
    with translation.override("en"):
        assert unit_label("h", Decimal("1")) == "hour"
        assert unit_label("h", Decimal("2")) == "hours"
        assert unit_label("month", 1) == "month" and per_unit("month") == "month"
    with translation.override("ru"):
        assert unit_label("h", 1) == "час"
        assert unit_label("h", 2) == "часа"
        assert unit_label("h", 5) == "часов"
        assert unit_label("pcs", 3) == "шт."
        assert unit_label("h", Decimal("2.5")) == "часа"
    with translation.override("pl"):
        assert unit_label("h", Decimal("2.5")) == "godziny"
        assert unit_label("h", 5) == "godzin"
    with translation.override("ro"):
        assert unit_label("month", 2) == "luni"


def test_unknown_units_and_symbols_show_as_stored():
    with translation.override("ru"):
        assert unit_label("kWh", Decimal("250")) == "kWh"
        assert unit_label("Stk.", 2) == "Stk."
        assert unit_label("", 2) == ""
