"""Romanian formats of the portal: "5 000,00" and "21.06.2015".

Only what differs from, or must not drift from, django/conf/locale/ro/formats.py
is set here; month names, DATE_FORMAT and the rest still come from Django.
"""

# Django's Romanian locale groups thousands with a dot ("5.000,00"), which
# Romanian orthography allows. The product owner chose "5 000,00" for every
# language the portal ships besides English, so an amount reads the same in ro,
# bg, ru, uk and pl, and a grouping dot is never mistaken for a decimal point
# in a copied or exported figure. ISO 80000-1 groups digits with a space too.
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # non-breaking space, so an amount never wraps mid-number
NUMBER_GROUPING = 3

SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"

# People type dates the local way; browsers' date pickers, the API and exports
# send ISO dates, so both are accepted. Two-digit years are not: "01.02.03" is
# too easy to misread on a financial record.
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
]
